package org.sciencegateway.keycloak.assurance.binding;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.representations.userprofile.config.UPAttribute;
import org.keycloak.representations.userprofile.config.UPConfig;
import org.keycloak.userprofile.UserProfileProvider;

/** Reads and writes the {@link VettedLinks} record on a Keycloak user; trusts it only where users cannot write it. */
public final class VettedLinkRecord {

    private static final Logger LOG = Logger.getLogger(VettedLinkRecord.class);

    private VettedLinkRecord() {
    }

    /** Whether this brokered account's link to the user is vetted (fail closed: a record users can write is none). */
    public static boolean isVetted(KeycloakSession session, RealmModel realm, UserModel user, String alias,
                                   String brokeredUserId) {
        List<String> recorded = user.getAttributeStream(VettedLinks.ATTRIBUTE).toList();
        if (!VettedLinks.vetted(recorded, alias, brokeredUserId)) {
            return false;
        }
        if (usersCanWrite(session, realm)) {
            LOG.warnf("Realm %s lets users edit the attribute %s (user profile): no link counts as vetted until only "
                    + "admins may edit it; %s's link to %s raises no level", realm.getName(), VettedLinks.ATTRIBUTE,
                    user.getUsername(), alias);
            return false;
        }
        return true;
    }

    /** Adds this brokered account to the user's vetted links. */
    public static void vet(RealmModel realm, UserModel user, String alias, String brokeredUserId, String how) {
        String value = VettedLinks.value(alias, brokeredUserId);
        List<String> recorded = user.getAttributeStream(VettedLinks.ATTRIBUTE).toList();
        if (recorded.contains(value)) {
            return;
        }
        user.setAttribute(VettedLinks.ATTRIBUTE, Stream.concat(recorded.stream(), Stream.of(value))
                .collect(Collectors.toList()));
        LOG.infof("Link of %s to %s (account %s) in realm %s vetted: %s", user.getUsername(), alias, brokeredUserId,
                realm.getName(), how);
    }

    private static boolean usersCanWrite(KeycloakSession session, RealmModel realm) {
        UserProfileProvider profile = session.getProvider(UserProfileProvider.class);
        UPConfig config = profile == null ? null : profile.getConfiguration();
        if (config == null) {
            return true; // unknown: fail closed
        }
        UPAttribute attribute = config.getAttribute(VettedLinks.ATTRIBUTE);
        boolean userMayEdit = attribute != null && attribute.getPermissions() != null
                && attribute.getPermissions().getEdit() != null && attribute.getPermissions().getEdit().contains("user");
        return VettedLinks.userWritable(attribute != null, userMayEdit,
                config.getUnmanagedAttributePolicy() == UPConfig.UnmanagedAttributePolicy.ENABLED);
    }
}
