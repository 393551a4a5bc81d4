package org.sciencegateway.keycloak.hubtenants;

import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.keycloak.email.EmailException;
import org.keycloak.email.EmailSenderProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.models.AbstractKeycloakTransaction;

/**
 * The lifecycle's messages, sent by Keycloak's e-mail sender with the realm's SMTP settings (Realm settings →
 * Email) — only once the change they report is committed, so no one is told of a request, approval or rejection
 * that did not happen. A failed send is logged; it never undoes the change.
 */
public final class HubMail {

    private static final Logger LOG = Logger.getLogger(HubMail.class);

    private HubMail() {
    }

    /** Sends {@code subject}/{@code text} to each address after the current transaction commits. */
    public static void afterCommit(KeycloakSession session, RealmModel realm, List<String> addresses, String subject,
                                   String text) {
        if (addresses.isEmpty()) {
            return;
        }
        KeycloakSessionFactory factory = session.getKeycloakSessionFactory();
        String realmId = realm.getId();
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                KeycloakModelUtils.runJobInTransaction(factory, mailSession -> {
                    RealmModel current = mailSession.realms().getRealm(realmId);
                    Map<String, String> smtp = current == null ? Map.of() : current.getSmtpConfig();
                    if (smtp == null || smtp.isEmpty() || smtp.get("host") == null) {
                        LOG.warnf("Realm %s has no SMTP settings: not sent to %s: %s", current == null ? realmId
                                : current.getName(), addresses, subject);
                        return;
                    }
                    EmailSenderProvider sender = mailSession.getProvider(EmailSenderProvider.class);
                    for (String address : addresses) {
                        try {
                            sender.send(smtp, address, subject, text, null);
                        } catch (EmailException | RuntimeException e) {
                            LOG.errorf(e, "Could not send '%s' to %s", subject, address);
                        }
                    }
                });
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }
}
