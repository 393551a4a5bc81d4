package org.sciencegateway.keycloak.hubtenants.registration;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.keycloak.component.ComponentModel;

/** The policy component's settings, read once per request. */
record HubRegistrationConfig(String templateClient, Set<String> reservedClientIds, List<String> reviewEmails) {

    static HubRegistrationConfig of(ComponentModel model) {
        String template = model.get(HubRegistrationPolicyFactory.TEMPLATE_CLIENT);
        List<String> reserved = model.getConfig() == null ? null
                : model.getConfig().get(HubRegistrationPolicyFactory.RESERVED_CLIENT_IDS);
        Set<String> ids = new LinkedHashSet<>();
        if (reserved != null) {
            reserved.stream().filter(id -> id != null && !id.isBlank()).map(String::trim).forEach(ids::add);
        }
        List<String> review = model.getConfig() == null ? null
                : model.getConfig().get(HubRegistrationPolicyFactory.REVIEW_EMAILS);
        return new HubRegistrationConfig(template == null || template.isBlank() ? "jupyterhub" : template.trim(),
                Set.copyOf(ids), review == null ? List.of() : review.stream().filter(a -> a != null && !a.isBlank())
                .map(String::trim).toList());
    }
}
