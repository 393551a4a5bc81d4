package org.sciencegateway.keycloak.tokenexchange;

import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.userprofile.config.UPAttribute;
import org.keycloak.representations.userprofile.config.UPConfig;
import org.keycloak.userprofile.UserProfileProvider;

/**
 * The account claim names the Linux account a receiver maps the user to: an attribute users could write themselves
 * (account console, account REST, update-profile forms, as the realm's user profile allows) would let anyone pick
 * another person's account. The attribute is read only where the realm's user profile keeps it out of users' hands;
 * otherwise every exchange naming it is refused (fail closed) and the log says what to change.
 */
final class AccountAttributeGuard {

    private static final Logger LOG = Logger.getLogger(AccountAttributeGuard.class);

    private AccountAttributeGuard() {
    }

    /** The user's account for the policy (see {@link AccountClaim#decide}), after checking users cannot write it. */
    static Optional<String> accountOf(KeycloakSession session, RealmModel realm, AudiencePolicy policy, UserModel user) {
        AccountClaim accountClaim = policy.accountClaim();
        if (accountClaim.isNone()) {
            return Optional.empty();
        }
        if (usersCanWrite(session, accountClaim.attribute())) {
            LOG.errorf("Realm %s lets users edit the attribute %s (user profile): audience %s refuses every token "
                    + "naming an account until only admins (or the LDAP federation) may write it", realm.getName(),
                    accountClaim.attribute(), policy.audience());
            throw accountClaim.userEditable(policy.audience());
        }
        return accountClaim.decide(policy.audience(), user.getAttributeStream(accountClaim.attribute()).toList());
    }

    private static boolean usersCanWrite(KeycloakSession session, String attributeName) {
        UserProfileProvider profile = session.getProvider(UserProfileProvider.class);
        UPConfig config = profile == null ? null : profile.getConfiguration();
        if (config == null) {
            return true; // unknown: fail closed
        }
        UPAttribute attribute = config.getAttribute(attributeName);
        if (attribute == null) {
            return config.getUnmanagedAttributePolicy() == UPConfig.UnmanagedAttributePolicy.ENABLED;
        }
        return attribute.getPermissions() != null && attribute.getPermissions().getEdit() != null
                && attribute.getPermissions().getEdit().contains("user");
    }
}
