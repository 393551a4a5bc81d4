package org.sciencegateway.keycloak.hubtenants.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.sciencegateway.keycloak.hubtenants.Hub;
import org.sciencegateway.keycloak.hubtenants.HubMail;

/**
 * What a realm admin's approval (switching a pending hub on) and rejection (deleting it) do. Approval makes the hub's
 * credentials new — a secret and a registration access token no one has seen, so whoever held the registration
 * answer gets nothing from it — and hands them to the owners alone: console rights on this client
 * ({@link OwnerPermissions}), membership of the realm's hub-admins group (the console's client list), and an e-mail.
 */
final class HubApproval {

    private static final Logger LOG = Logger.getLogger(HubApproval.class);

    private HubApproval() {
    }

    static void approve(KeycloakSession session, RealmModel realm, ClientModel hub, UserModel approver,
                        String ownersGroup) {
        List<String> ownerIds = Hub.owners(hub);
        hub.setAttribute(Hub.STATE, Hub.APPROVED);
        hub.setAttribute(Hub.APPROVED_BY, approver == null ? "" : approver.getUsername());
        hub.setAttribute(Hub.APPROVED_AT, Instant.now().toString());
        KeycloakModelUtils.generateSecret(hub);
        hub.setRegistrationToken(KeycloakModelUtils.generateId());
        List<UserModel> owners = ownerIds.stream().map(id -> session.users().getUserById(realm, id))
                .filter(Objects::nonNull).toList();
        hub.setDescription("Hub of " + String.join(", ", owners.stream().map(HubApproval::named).toList())
                + "; approved by " + (approver == null ? "?" : approver.getUsername()));
        OwnerPermissions.grant(session, realm, hub, owners.stream().map(UserModel::getId).toList());
        GroupModel group = ownersGroup(session, realm, ownersGroup);
        if (group != null) {
            owners.stream().filter(owner -> !owner.isMemberOf(group)).forEach(owner -> owner.joinGroup(group));
        } else {
            LOG.warnf("Realm %s has no group '%s': hub owners get no role to list clients in the console",
                    realm.getName(), ownersGroup);
        }
        String base = session.getContext().getUri().getBaseUri().toString().replaceAll("/$", "");
        String console = base + "/admin/" + realm.getName() + "/console/";
        String hubConsole = base + "/realms/" + realm.getName() + "/hub-console/";
        HubMail.afterCommit(session, realm, emails(owners), "Your hub was approved: " + hub.getName(),
                "Your hub '" + hub.getName() + "' (client id " + hub.getClientId() + ") in realm " + realm.getName()
                        + " was approved and is enabled.\n\nIts client secret is new: open " + console
                        + ", log in, and see Clients -> " + hub.getClientId() + " -> Credentials (Regenerate rotates "
                        + "it). The secret returned at registration no longer works.\n\nIts institution rules and "
                        + "groups subtree: " + hubConsole + "\n");
        LOG.infof("Hub %s in realm %s approved by %s; owners %s", hub.getClientId(), realm.getName(),
                approver == null ? "?" : approver.getUsername(), ownerIds);
    }

    /**
     * A hub is gone (deleted): its owners leave the owners group unless they own another approved or suspended hub,
     * so that nobody keeps the group's admin role ({@code query-clients}) for a hub that no longer exists.
     */
    static void release(KeycloakSession session, RealmModel realm, ClientModel hub, String ownersGroup) {
        GroupModel group = ownersGroup(session, realm, ownersGroup);
        if (group == null) {
            return;
        }
        for (String ownerId : Hub.owners(hub)) {
            UserModel owner = session.users().getUserById(realm, ownerId);
            if (owner == null || !owner.isMemberOf(group)) {
                continue;
            }
            boolean ownsAnother = realm.getClientsStream()
                    .filter(other -> !other.getId().equals(hub.getId()) && Hub.isHub(other)
                            && !Hub.PENDING.equals(other.getAttribute(Hub.STATE)))
                    .anyMatch(other -> Hub.owners(other).contains(ownerId));
            if (!ownsAnother) {
                owner.leaveGroup(group);
            }
        }
    }

    /** The realm's owners group ({@code path} with or without its leading slash), or null when it has none. */
    static GroupModel ownersGroup(KeycloakSession session, RealmModel realm, String path) {
        return path == null || path.isBlank() ? null
                : KeycloakModelUtils.findGroupByPath(session, realm, path.startsWith("/") ? path : "/" + path);
    }

    static void rejected(KeycloakSession session, RealmModel realm, ClientModel hub, UserModel admin) {
        List<UserModel> owners = Hub.owners(hub).stream().map(id -> session.users().getUserById(realm, id))
                .filter(Objects::nonNull).toList();
        HubMail.afterCommit(session, realm, emails(owners), "Your hub request was declined: " + hub.getName(),
                "The realm admins of " + realm.getName() + " declined the hub '" + hub.getName() + "' (client id "
                        + hub.getClientId() + ") and removed it. Ask them for the reason.\n");
        LOG.infof("Hub %s in realm %s rejected (deleted) by %s", hub.getClientId(), realm.getName(),
                admin == null ? "?" : admin.getUsername());
    }

    private static List<String> emails(List<UserModel> users) {
        return users.stream().map(UserModel::getEmail).filter(e -> e != null && !e.isBlank()).toList();
    }

    private static String named(UserModel user) {
        return user.getEmail() == null ? user.getUsername() : user.getEmail();
    }
}
