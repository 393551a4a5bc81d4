package org.sciencegateway.keycloak.assurance.federated;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.Constants;

/**
 * The step's settings in the admin console. Keycloak offers no save-time validation for authenticator settings, so
 * one that does not parse counts as the safe choice, logged: a level that is not a number is level 0 (the lowest
 * Keycloak knows), blank entries trust nobody. A typo must never raise a level.
 *
 * @param trustedAliases aliases of identity providers whose assertions about the authentication count
 * @param federatedLevel the level of a brokered login without an honoured assertion
 */
record FederatedAssuranceConfig(Set<String> trustedAliases, int federatedLevel) {

    static final String TRUSTED_IDPS = "trusted.identity.providers";
    static final String FEDERATED_LEVEL = "federated.level";
    static final int DEFAULT_FEDERATED_LEVEL = 1;

    private static final Logger LOG = Logger.getLogger(FederatedAssuranceConfig.class);

    FederatedAssuranceConfig {
        trustedAliases = Set.copyOf(trustedAliases);
    }

    static FederatedAssuranceConfig of(AuthenticatorConfigModel model) {
        Map<String, String> config = model == null || model.getConfig() == null ? Map.of() : model.getConfig();
        Set<String> aliases = new LinkedHashSet<>();
        String stored = config.get(TRUSTED_IDPS);
        if (stored != null) {
            Arrays.stream(stored.split(Pattern.quote(Constants.CFG_DELIMITER)))
                    .map(String::trim).filter(s -> !s.isEmpty()).forEach(aliases::add);
        }
        return new FederatedAssuranceConfig(aliases, level(config.get(FEDERATED_LEVEL)));
    }

    private static int level(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_FEDERATED_LEVEL;
        }
        if (!text.trim().matches("[0-9]{1,2}")) {
            LOG.warnf("Federated assurance: federated login level '%s' is not a level number; using level 0", text);
            return 0;
        }
        return Integer.parseInt(text.trim());
    }
}
