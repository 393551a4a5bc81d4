package org.sciencegateway.keycloak.idpfilter.enforce;

import org.jboss.logging.Logger;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.broker.provider.AbstractIdentityProvider;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.sessions.RootAuthenticationSessionModel;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Keycloak's first-broker-login creates the account and the identity-provider link before the post-broker-login
 * flow (and the completion check) can judge the login, and commits them in earlier requests. When such a login is
 * refused, this removes what that same tab made: the account if first-broker-login registered it, otherwise the link
 * to the refused identity provider. It runs after the refusing request's transaction, in its own, and also removes
 * the tab, so that a reload shows Keycloak's expired-page message rather than a page about a deleted user.
 */
final class RefusedAccountCleanup {

    private static final Logger LOG = Logger.getLogger(RefusedAccountCleanup.class);

    private RefusedAccountCleanup() {
    }

    static void afterRefusal(KeycloakSession session, AuthenticationSessionModel authSession, LoginOrigin refused) {
        if (refused == null || refused.isLocal()) {
            return;
        }
        UserModel user = authSession.getAuthenticatedUser();
        String linkedHere = authSession.getAuthNote(AbstractIdpAuthenticator.FIRST_BROKER_LOGIN_SUCCESS);
        if (user == null || !refused.identityProvider().equals(linkedHere)) {
            return; // this tab linked nothing for the refused identity provider
        }
        boolean registeredHere = Boolean.parseBoolean(authSession.getAuthNote(AbstractIdentityProvider.BROKER_REGISTERED_NEW_USER));
        String realmId = authSession.getRealm().getId();
        String userId = user.getId();
        String alias = refused.identityProvider();
        String rootId = authSession.getParentSession().getId();
        String tabId = authSession.getTabId();
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                try {
                    KeycloakModelUtils.runJobInTransaction(session.getKeycloakSessionFactory(), s -> clean(s));
                } catch (RuntimeException e) {
                    // The refusal stands either way; what is left is logged for the admin.
                    LOG.warnf(e, "Could not remove what the refused first login through %s made for account %s",
                            alias, userId);
                }
            }

            private void clean(KeycloakSession s) {
                RealmModel realm = s.realms().getRealm(realmId);
                s.getContext().setRealm(realm);
                UserModel stored = s.users().getUserById(realm, userId);
                if (stored != null && registeredHere) {
                    s.users().removeUser(realm, stored);
                    LOG.infof("Removed account %s, registered by a first login through %s that the institution "
                            + "filter refused", userId, alias);
                } else if (stored != null) {
                    s.users().removeFederatedIdentity(realm, stored, alias);
                    LOG.infof("Removed the link %s of account %s, made by a first login that the institution "
                            + "filter refused", alias, userId);
                }
                RootAuthenticationSessionModel root = s.authenticationSessions().getRootAuthenticationSession(realm, rootId);
                if (root != null) {
                    root.removeAuthenticationSessionByTabId(tabId);
                }
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }
}
