package org.sciencegateway.keycloak.idpfilter.select;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.constants.AdapterConstants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.enforce.Refusal;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Replaces Keycloak's "Identity Provider Redirector" in the browser flow. Hints only narrow the client's admissible
 * identity providers: a hint naming none of them gets the refusal page; exactly one admissible identity provider
 * (hinted, or the only one the client allows) is redirected to directly. Otherwise the login page is shown, with the
 * form attribute {@value #FORM_ATTRIBUTE} telling the theme which identity providers and institutions to offer.
 * With an {@link InstitutionChooser} (the theme module's institution picker) that page is shown instead, given only the
 * client's {@link Admission}. Choosing on a page is not trusted either: the {@code enforce} package decides after the
 * login.
 */
public final class IdentityProviderSelectionAuthenticator implements Authenticator {

    /** Form attribute for the login theme's picker. */
    public static final String FORM_ATTRIBUTE = "institutionFilter";

    private static final Logger LOG = Logger.getLogger(IdentityProviderSelectionAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        List<String> hints = Admission.hints(authSession.getClientNote(AdapterConstants.KC_IDP_HINT));
        ClientRules clientRules = ClientRules.of(authSession.getClient());
        if (clientRules.unrestricted()) {
            // Same as Keycloak's redirector for clients without rules: follow a single hint when it exists.
            if (hints.size() == 1) {
                BrokerRedirect.to(context, hints.get(0));
            } else {
                context.attempted();
            }
            return;
        }
        if (clientRules.problem() != null) {
            LOG.errorf("Institution rules of client %s are unusable: %s", authSession.getClient().getClientId(),
                    clientRules.problem());
            Refusal.refuse(context, null, Decision.INVALID_CONFIGURATION);
            return;
        }
        InstitutionFilter filter = clientRules.filter();
        InstitutionFilter.Selection selection = filter.select(hints);
        switch (selection.kind()) {
            case REFUSE -> Refusal.refuse(context,
                    selection.offered().isEmpty() ? null : LoginOrigin.brokered(String.join(",", selection.offered())),
                    hints.isEmpty() ? Decision.NO_ALLOW_MATCH : "kc_idp_hint");
            case REDIRECT -> BrokerRedirect.to(context, selection.identityProvider());
            case CHOOSE -> {
                InstitutionChooser chooser = chooser(context.getSession());
                if (chooser != null) {
                    chooser.show(context, Admission.of(filter, hints, chooser.knownMetadata(context.getSession())));
                    return;
                }
                Map<String, Object> picker = new LinkedHashMap<>();
                picker.put("identityProviders", selection.offered());
                picker.put("institutions", filter.allowedInstitutions());
                picker.put("localLogin", selection.localLoginOffered());
                context.form().setAttribute(FORM_ATTRIBUTE, picker);
                context.attempted();
            }
        }
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        // Only a chooser's page posts back to this step; its post is judged under the same admission as its display.
        InstitutionChooser chooser = chooser(context.getSession());
        if (chooser == null) {
            context.attempted();
            return;
        }
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        Admission admission;
        try {
            admission = Admission.forClient(authSession.getClient(),
                    Admission.hints(authSession.getClientNote(AdapterConstants.KC_IDP_HINT)),
                    chooser.knownMetadata(context.getSession()));
        } catch (Admission.UnusableRules e) {
            Refusal.refuse(context, null, Decision.INVALID_CONFIGURATION);
            return;
        }
        chooser.action(context, admission);
    }

    /** The chooser page this login can use, or {@code null} for Keycloak's own login page. */
    private static InstitutionChooser chooser(KeycloakSession session) {
        InstitutionChooser chooser = session.getProvider(InstitutionChooser.class);
        return chooser != null && chooser.available() ? chooser : null;
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
