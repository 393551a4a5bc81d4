package org.sciencegateway.keycloak.idpfilter.select;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.authentication.Authenticator;
import org.keycloak.constants.AdapterConstants;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.services.Urls;
import org.keycloak.services.managers.ClientSessionCode;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sciencegateway.keycloak.idpfilter.enforce.Refusal;
import org.sciencegateway.keycloak.idpfilter.mapper.ClientRules;
import org.sciencegateway.keycloak.idpfilter.picker.InstitutionPicker;
import org.sciencegateway.keycloak.idpfilter.picker.PickerScope;
import org.sciencegateway.keycloak.idpfilter.rules.Decision;
import org.sciencegateway.keycloak.idpfilter.rules.InstitutionFilter;
import org.sciencegateway.keycloak.idpfilter.rules.LoginOrigin;

/**
 * Replaces Keycloak's "Identity Provider Redirector" in the browser flow. Hints only narrow the client's admissible
 * identity providers: a hint naming none of them gets the refusal page; exactly one admissible identity provider
 * (hinted, or the only one the client allows) is redirected to directly. Otherwise the login page is shown, with the
 * form attribute {@value #FORM_ATTRIBUTE} telling the theme which identity providers and institutions to offer.
 * Choosing on the page is not trusted either: {@link InstitutionFilterAuthenticator} decides after the login.
 */
public final class IdentityProviderSelectionAuthenticator implements Authenticator {

    /** Form attribute for the login theme's picker. */
    public static final String FORM_ATTRIBUTE = "institutionFilter";

    private static final Logger LOG = Logger.getLogger(IdentityProviderSelectionAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        List<String> hints = hints(authSession.getClientNote(AdapterConstants.KC_IDP_HINT));
        ClientRules clientRules = ClientRules.of(authSession.getClient());
        if (clientRules.unrestricted()) {
            // Same as Keycloak's redirector for clients without rules: follow a single hint when it exists.
            if (hints.size() == 1) {
                redirect(context, hints.get(0));
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
            case REDIRECT -> redirect(context, selection.identityProvider());
            case CHOOSE -> {
                if (InstitutionPicker.providedByTheme(context.getSession())) {
                    InstitutionPicker.show(context, PickerScope.of(filter, hints));
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

    public static List<String> hints(String hint) {
        if (hint == null || hint.isBlank()) {
            return List.of();
        }
        return Arrays.stream(hint.split(",")).map(String::trim).filter(h -> !h.isEmpty()).distinct().toList();
    }

    public static void redirect(AuthenticationFlowContext context, String alias) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if ("none".equals(authSession.getClientNote(OIDCLoginProtocol.PROMPT_PARAM))) {
            // A passive request cannot be sent to an identity provider from here; let the flow answer it.
            context.attempted();
            return;
        }
        IdentityProviderModel idp = context.getSession().identityProviders().getByAlias(alias);
        if (idp == null || !idp.isEnabled()) {
            LOG.debugf("Identity provider %s not found or disabled; showing the login page", alias);
            context.attempted();
            return;
        }
        KeycloakSession session = context.getSession();
        String accessCode = new ClientSessionCode<>(session, context.getRealm(), authSession).getOrGenerateCode();
        URI location = Urls.identityProviderAuthnRequest(context.getUriInfo().getBaseUri(), alias,
                context.getRealm().getName(), accessCode, authSession.getClient().getClientId(), authSession.getTabId(),
                AuthenticationProcessor.getClientData(session, authSession),
                authSession.getClientNote(OIDCLoginProtocol.LOGIN_HINT_PARAM));
        context.forceChallenge(Response.seeOther(location).build());
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        // Only the institution picker's page posts back to this step.
        if (InstitutionPicker.providedByTheme(context.getSession())) {
            InstitutionPicker.action(context);
            return;
        }
        context.attempted();
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
