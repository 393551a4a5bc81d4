package org.sciencegateway.keycloak.groupmapper;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** How each selected group is written into the claim. */
public enum GroupClaimFormat {

    /** The group's own name: {@code users}. */
    NAME("name"),
    /** Keycloak's full path: {@code /escape/users}; what JupyterHub's {@code allowed_groups} usually lists. */
    FULL_PATH("full-path"),
    /** The full path without its leading slash, as INDIGO IAM writes {@code groups}: {@code escape/users}. */
    PATH_WITHOUT_LEADING_SLASH("path-without-leading-slash"),
    /** The path below the subtree root that contains the group: {@code users} under {@code /escape}. */
    RELATIVE_PATH("relative-path"),
    /** WLCG {@code wlcg.groups}: ordered {@code /vo/sub} paths, requested groups first, optional groups on request. */
    WLCG("wlcg"),
    /** AARC-G069 {@code eduperson_entitlement}: {@code <namespace>:group:<g>[:<sub>…]:role=<r>#<authority>}. */
    AARC_ENTITLEMENT("aarc-entitlement");

    private final String configValue;

    GroupClaimFormat(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    public static Optional<GroupClaimFormat> fromConfigValue(String value) {
        return Arrays.stream(values()).filter(f -> f.configValue.equals(value)).findFirst();
    }

    public static List<String> configValues() {
        return Arrays.stream(values()).map(GroupClaimFormat::configValue).toList();
    }
}
