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
import org.keycloak.models.FederatedIdentityModel;
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
    /** Authentication-session note: the brokered account ({@link VettedLinks#value}) whose unvetted link this login used. */
    public static final String UNVETTED_LINK_NOTE = "sg.assurance.unvetted-link";
    /** Authentication-session note: the trusted provider this login may link by {@code kc_action=idp_link}. */
    static final String LINK_PERMITTED_NOTE = "sg.assurance.link-permitted";
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
        vetLinks(context.getSession(), authSession, user, completing, currentLevel);
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
        String linkAlias = null;
        if (EnrolmentGate.IDP_LINK.equals(name)) {
            linkAlias = kcAction.contains(":") ? kcAction.substring(kcAction.indexOf(':') + 1)
                    : authSession.getClientNote(Constants.KC_ACTION_PARAMETER);
            IdentityProviderModel idp = linkAlias == null ? null : session.identityProviders().getByAlias(linkAlias);
            trustedLink = TrustedProviders.trustedForAssurance(realm, idp);
        }
        String refusal = EnrolmentGate.judge(kcAction, setByAdmin, trustedLink, currentLevel, enrolmentLevel(realm));
        if (refusal == null && trustedLink && session.users().getFederatedIdentity(realm, user, linkAlias) == null) {
            // Linked at the highest level in this login: the link is vetted once Keycloak reports it made.
            authSession.setAuthNote(LINK_PERMITTED_NOTE, linkAlias);
        }
        return refusal;
    }

    private static int enrolmentLevel(RealmModel realm) {
        return AcrUtils.getAcrLoaMap(realm).values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    /**
     * Records links vetted in this login ({@link VettedLinks}): a trusted provider linked by {@code kc_action=idp_link}
     * at the highest level (Keycloak reports the action's success), or an unvetted link this login came through and
     * then passed the account's own second factor (the level reached by this identity is the highest).
     */
    private static void vetLinks(KeycloakSession session, AuthenticationSessionModel authSession, UserModel user,
                                 LevelOwnership.Identity completing, int currentLevel) {
        RealmModel realm = authSession.getRealm();
        String permitted = authSession.getAuthNote(LINK_PERMITTED_NOTE);
        if (permitted != null && authSession.getClientNote(Constants.KC_ACTION) == null) {
            // The linking action ended (Keycloak removes kc_action and reports its status): vet only what it made.
            authSession.removeAuthNote(LINK_PERMITTED_NOTE);
        }
        if (permitted != null && authSession.getClientNote(Constants.KC_ACTION) == null
                && "success".equals(authSession.getClientNote(Constants.KC_ACTION_STATUS))) {
            FederatedIdentityModel link = session.users().getFederatedIdentity(realm, user, permitted);
            if (link != null) {
                VettedLinkRecord.vet(realm, user, permitted, link.getUserId(), VettedLinks.LINKED_AT_LEVEL);
            }
        }
        String unvetted = authSession.getAuthNote(UNVETTED_LINK_NOTE);
        int highest = enrolmentLevel(realm);
        if (unvetted != null && completing != null && completing.brokered() && highest >= 0 && currentLevel >= highest) {
            int space = unvetted.indexOf(' ');
            String alias = unvetted.substring(0, Math.max(space, 0));
            String brokeredUserId = unvetted.substring(space + 1);
            // The completing identity is the brokered account that used the unvetted link (Keycloak's broker user id).
            if (space > 0 && (alias + "." + brokeredUserId).equals(completing.brokeredIdentity())) {
                VettedLinkRecord.vet(realm, user, alias, brokeredUserId, VettedLinks.STEPPED_UP);
                authSession.removeAuthNote(UNVETTED_LINK_NOTE);
            }
        }
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
