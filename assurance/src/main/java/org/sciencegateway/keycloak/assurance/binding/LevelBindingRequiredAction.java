package org.sciencegateway.keycloak.assurance.binding;

import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.Map;
import com.fasterxml.jackson.core.type.TypeReference;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.events.Details;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.utils.AcrUtils;
import org.keycloak.services.managers.AuthenticationManager;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;
import org.sciencegateway.keycloak.assurance.federated.TrustedProviders;

/**
 * Binds levels of authentication to the identity that reached them, at the one point no login can skip: Keycloak
 * evaluates the triggers of every enabled required action whenever a login of any client is about to complete
 * (browser flow, brokered login after post-broker-login, first-broker-login, SSO, {@code prompt=none}), before a code
 * is issued and before the tab's levels reach the user session. Here
 * <ul>
 *   <li>the tab's levels must belong to the identity being attached ({@link LevelOwnership}): a brokered login that
 *   inherited another identity's levels is refused;</li>
 *   <li>a user-initiated enrolment of a second factor, or a link to an identity provider trusted to assert one,
 *   needs the realm's highest level in this login ({@link EnrolmentGate});</li>
 *   <li>what was judged is written for the token boundary ({@link BoundLevel}).</li>
 * </ul>
 * A refused login gets this action in its authentication session: an error page, no code.
 */
public final class LevelBindingRequiredAction implements RequiredActionProvider {

    /** Authentication-session note: the identity the tab's brokered levels were recorded for. */
    public static final String OWNER_NOTE = "sg.assurance.level-owner";
    static final String REFUSED_NOTE = "sg.assurance.refused";
    static final String EVENT_ERROR = "assurance_binding_refused";
    /** Level 1 is what any sign-in reaches; only levels above it are worth carrying to someone else. */
    static final int FIRST_FACTOR = 1;

    private static final Logger LOG = Logger.getLogger(LevelBindingRequiredAction.class);

    @Override
    public void evaluateTriggers(RequiredActionContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        UserModel user = context.getUser();
        if (authSession == null || user == null) {
            return;
        }
        if (authSession.getAuthNote(REFUSED_NOTE) != null) {
            authSession.addRequiredAction(LevelBindingRequiredActionFactory.PROVIDER_ID);
            return;
        }
        int currentLevel = parseInt(authSession.getAuthNote(Constants.LEVEL_OF_AUTHENTICATION));
        int highest = Math.max(currentLevel, highestInLevelMap(authSession.getAuthNote(Constants.LOA_MAP)));
        LevelOwnership.Identity completing = completing(authSession, user);
        LevelOwnership.Identity owner = LevelOwnership.Identity.fromNote(authSession.getAuthNote(OWNER_NOTE));
        String refusal = LevelOwnership.judge(owner, completing, highest > FIRST_FACTOR);
        if (refusal == null) {
            refusal = enrolment(context.getSession(), authSession, user, currentLevel);
        }
        if (refusal != null) {
            refuse(context, user, owner, completing, refusal);
            return;
        }
        if (!"true".equals(authSession.getAuthNote(AuthenticationManager.SSO_AUTH)) && currentLevel >= 0) {
            // SSO reuse authenticated nothing new: the user session keeps the record of the logins that did.
            BoundLevel existing = BoundLevel.fromNote(existingUserSessionNote(context.getSession(), authSession));
            authSession.setUserSessionNote(BoundLevel.NOTE,
                    BoundLevel.merge(existing, user.getId(), currentLevel).toNote());
        }
    }

    /** The identity the completing login attaches, as Keycloak will attach it (see the institution filter's). */
    static LevelOwnership.Identity completing(AuthenticationSessionModel authSession, UserModel user) {
        String alias = authSession.getUserSessionNotes().get(Details.IDENTITY_PROVIDER);
        if (alias != null && !alias.isEmpty()
                && !"true".equals(authSession.getAuthNote(AuthenticationManager.SSO_AUTH))) {
            String brokerUserId = authSession.getAuthNote(AuthenticationProcessor.BROKER_USER_ID);
            return new LevelOwnership.Identity(user.getId(), brokerUserId == null ? alias + "." : brokerUserId);
        }
        return new LevelOwnership.Identity(user.getId(), null);
    }

    private static String enrolment(KeycloakSession session, AuthenticationSessionModel authSession, UserModel user,
                                    int currentLevel) {
        String kcAction = authSession.getClientNote(Constants.KC_ACTION);
        if (kcAction == null) {
            return null;
        }
        RealmModel realm = authSession.getRealm();
        String name = EnrolmentGate.actionName(kcAction);
        boolean setByAdmin = user.getRequiredActionsStream().anyMatch(name::equals);
        boolean trustedLink = false;
        if (EnrolmentGate.IDP_LINK.equals(name)) {
            String alias = kcAction.contains(":") ? kcAction.substring(kcAction.indexOf(':') + 1)
                    : authSession.getClientNote(Constants.KC_ACTION_PARAMETER);
            IdentityProviderModel idp = alias == null ? null : session.identityProviders().getByAlias(alias);
            trustedLink = TrustedProviders.trustedForAssurance(realm, idp);
        }
        int enrolmentLevel = AcrUtils.getAcrLoaMap(realm).values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        return EnrolmentGate.judge(kcAction, setByAdmin, trustedLink, currentLevel, enrolmentLevel);
    }

    private static void refuse(RequiredActionContext context, UserModel user, LevelOwnership.Identity owner,
                               LevelOwnership.Identity completing, String reason) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        context.getEvent().clone().user(user).detail(Details.REASON, reason)
                .detail("level_owner", owner == null ? "" : owner.toNote())
                .detail("completing_identity", completing == null ? "" : completing.toNote())
                .error(EVENT_ERROR);
        LOG.infof("Refused login of %s to client %s in realm %s: %s (levels recorded for %s, completing %s, "
                        + "kc_action %s)", user.getUsername(), authSession.getClient().getClientId(),
                authSession.getRealm().getName(), reason, owner == null ? "-" : owner.toNote(),
                completing == null ? "-" : completing.toNote(), authSession.getClientNote(Constants.KC_ACTION));
        authSession.setAuthNote(REFUSED_NOTE, reason);
        // Whatever order Keycloak runs actions in, the refused enrolment or link itself never runs.
        authSession.removeClientNote(Constants.KC_ACTION);
        authSession.addRequiredAction(LevelBindingRequiredActionFactory.PROVIDER_ID);
    }

    private static String existingUserSessionNote(KeycloakSession session, AuthenticationSessionModel authSession) {
        // Keycloak names a browser's authentication session after the user session it belongs to.
        UserSessionModel userSession = session.sessions().getUserSession(authSession.getRealm(),
                authSession.getParentSession().getId());
        return userSession == null ? null : userSession.getNote(BoundLevel.NOTE);
    }

    static int highestInLevelMap(String note) {
        if (note == null || note.isBlank()) {
            return -1;
        }
        try {
            Map<Integer, Integer> levels = JsonSerialization.readValue(note, new TypeReference<Map<Integer, Integer>>() {
            });
            return levels.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        } catch (IOException e) {
            // Unreadable: treat as holding a level, so that the ownership check applies.
            return Integer.MAX_VALUE;
        }
    }

    private static int parseInt(String text) {
        if (text == null) {
            return -1;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void requiredActionChallenge(RequiredActionContext context) {
        String reason = context.getAuthenticationSession().getAuthNote(REFUSED_NOTE);
        String message = EnrolmentGate.ENROLMENT_NEEDS_LEVEL.equals(reason) || EnrolmentGate.LINK_NEEDS_LEVEL.equals(reason)
                ? "assuranceStepUpFirst" : "assuranceMixedIdentities";
        context.challenge(context.form().setError(message).createErrorPage(Response.Status.FORBIDDEN));
    }

    @Override
    public void processAction(RequiredActionContext context) {
        // The refusal page has no way forward.
        requiredActionChallenge(context);
    }

    @Override
    public void close() {
    }
}
