package org.sciencegateway.keycloak.assurance.federated;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.PostBrokerLoginConstants;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.authentication.authenticators.util.AcrStore;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.common.util.Time;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.protocol.oidc.utils.AcrUtils;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.sciencegateway.keycloak.assurance.binding.LevelBindingRequiredAction;
import org.sciencegateway.keycloak.assurance.binding.LevelOwnership;
import org.sciencegateway.keycloak.assurance.binding.VettedLinkRecord;
import org.sciencegateway.keycloak.assurance.binding.VettedLinks;

/**
 * Post-broker-login step that records the level of authentication of a brokered login: the realm's federated level,
 * or higher when a trusted institution asserted a stronger authentication ({@link FederatedLevel}). Keycloak's
 * browser-flow conditions never see a brokered login, so without this step such a login has no level at all.
 * The level is recorded the way Keycloak's own "Condition - Level of Authentication" records it (the authentication
 * session's level and level map, the user session's level map), so the acr claim, step-up conditions and the
 * exchange policies all read the same value.
 */
final class FederatedAssuranceAuthenticator implements Authenticator {

    /** Identity provider setting that marks it trusted to assert levels (for automation and federation imports). */
    static final String TRUSTED_IDP_CONFIG = "sg.assurance.trusted";
    static final String EVENT_ASSERTED = "federated_acr";
    static final String EVENT_LEVEL = "federated_level";
    static final String EVENT_DECISION = "federated_level_reason";

    private static final Logger LOG = Logger.getLogger(FederatedAssuranceAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        BrokeredIdentityContext brokered = brokeredContext(context);
        if (brokered == null) {
            // Misplaced (a browser flow): raise nothing, and say so.
            LOG.warnf("Federated assurance step in flow %s of realm %s ran without a brokered login; it belongs in "
                    + "the post-broker-login flow", context.getTopLevelFlow() == null ? "?"
                    : context.getTopLevelFlow().getAlias(), context.getRealm().getName());
            context.success();
            return;
        }
        authSession.removeAuthNote(LevelBindingRequiredAction.UNVETTED_LINK_NOTE);
        FederatedAssuranceConfig config = FederatedAssuranceConfig.of(context.getAuthenticatorConfig());
        IdentityProviderModel idp = brokered.getIdpConfig();
        AssertedAuthentication.Asserted assertion = AssertedAuthentication.of(brokered);
        List<String> asserted = assertion.values();
        Map<String, Integer> acrToLevel = AcrUtils.getAcrLoaMap(context.getRealm());
        long now = Time.currentTime();
        FederatedLevel.Trust trust = trust(idp, config.trustedAliases());
        IdentityProviderModel linking = trustedInstitutionBeingLinked(context, config);
        if (linking != null) {
            // First-broker-login of a trusted institution found an existing account and re-authenticates it through
            // this (another) identity provider: Keycloak then links the institution without running its own
            // post-broker-login flow. The same enrolment as below, refused before the link is made.
            refuseLinkToExistingAccount(context, brokered, linking);
            return;
        }
        if (trust == FederatedLevel.Trust.TRUSTED && linkedToAnExistingAccountInThisLogin(authSession)) {
            // Linking is enrolment: from the next login on, this institution's MFA would count for the existing
            // account, whose own second factor this login never asked for (first-broker-login re-authenticates with
            // the first factor, or through another identity provider). The link is undone and the login refused;
            // an admin links such an institution to an existing account after vetting (docs/assurance.md).
            refuseLinkToExistingAccount(context, brokered, idp);
            return;
        }
        if (trust == FederatedLevel.Trust.TRUSTED) {
            trust = linkTrust(context, brokered, idp);
        }
        FederatedLevel.Decision decision = FederatedLevel.decide(asserted, trust,
                acrToLevel, config.federatedLevel(), assertion.authTime(), now);

        // The tab's levels belong to this identity from here on. Levels another identity reached in this tab (an
        // earlier brokered login of someone else) are dropped: this login starts from no level.
        bindToThisIdentity(authSession, context.getUser(), brokered);
        // This login's level, replacing what an earlier step of the same authentication session may have left, and
        // in the level map (which Keycloak's SSO and the exchange's maximum age read) the time it was reached.
        new AcrStore(context.getSession(), authSession).setLevelAuthenticatedToCurrentRequest(decision.level());
        LevelMap.record(authSession, decision.level(), decision.time());

        context.getEvent().detail(EVENT_ASSERTED, String.join(" ", asserted))
                .detail(EVENT_LEVEL, String.valueOf(decision.level()))
                .detail(EVENT_DECISION, decision.reason());
        // Keycloak's LOGIN event of a brokered login is written by a later request and does not carry this step's
        // details (they do reach a LOGIN_ERROR of this flow): the decisions an admin audits are logged.
        // Raised levels and ignored claims of a stronger authentication: INFO; everything else: DEBUG.
        boolean notable = decision.level() > config.federatedLevel() || FederatedLevel.decide(asserted,
                FederatedLevel.Trust.TRUSTED, acrToLevel, config.federatedLevel(), now, now).level()
                > config.federatedLevel();
        LOG.logf(notable ? Logger.Level.INFO : Logger.Level.DEBUG,
                "Brokered login of %s through %s in realm %s asserted %s: level %d (%s)",
                brokered.getUsername(), idp.getAlias(), context.getRealm().getName(), asserted, decision.level(),
                decision.reason());
        context.success();
    }

    /**
     * Whether this login's link may raise a level ({@link VettedLinks}): the account's origin (first-broker-login
     * created it through this identity, vetted now) or a vetted link; else the link counts at the base level, and the
     * binding action vets it if this login also passes the account's own second factor.
     */
    private static FederatedLevel.Trust linkTrust(AuthenticationFlowContext context, BrokeredIdentityContext brokered,
                                                  IdentityProviderModel idp) {
        UserModel user = context.getUser();
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (user == null || brokered.getId() == null || brokered.getId().isEmpty()) {
            return FederatedLevel.Trust.UNVETTED_LINK;
        }
        if ("true".equals(authSession.getAuthNote(PostBrokerLoginConstants.PBL_AFTER_FIRST_BROKER_LOGIN))
                && "true".equals(authSession.getAuthNote(BROKER_REGISTERED_NEW_USER))) {
            VettedLinkRecord.vet(context.getRealm(), user, idp.getAlias(), brokered.getId(), VettedLinks.ACCOUNT_CREATED);
            return FederatedLevel.Trust.TRUSTED;
        }
        if (VettedLinkRecord.isVetted(context.getSession(), context.getRealm(), user, idp.getAlias(), brokered.getId())) {
            return FederatedLevel.Trust.TRUSTED;
        }
        authSession.setAuthNote(LevelBindingRequiredAction.UNVETTED_LINK_NOTE,
                VettedLinks.value(idp.getAlias(), brokered.getId()));
        return FederatedLevel.Trust.UNVETTED_LINK;
    }

    /**
     * The identity provider a first-broker-login in progress in this tab is linking to an existing account, when it
     * is trusted for assurance; {@code null} otherwise.
     */
    private static IdentityProviderModel trustedInstitutionBeingLinked(AuthenticationFlowContext context,
                                                                       FederatedAssuranceConfig config) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (authSession.getAuthNote(AbstractIdpAuthenticator.EXISTING_USER_INFO) == null) {
            return null;
        }
        SerializedBrokeredIdentityContext pending = SerializedBrokeredIdentityContext.readFromAuthenticationSession(
                authSession, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE);
        if (pending == null || pending.getIdentityProviderId() == null) {
            return null;
        }
        IdentityProviderModel idp = context.getSession().identityProviders().getByAlias(pending.getIdentityProviderId());
        return idp != null && trust(idp, config.trustedAliases()) == FederatedLevel.Trust.TRUSTED ? idp : null;
    }

    private static void refuseLinkToExistingAccount(AuthenticationFlowContext context, BrokeredIdentityContext brokered,
                                                    IdentityProviderModel idp) {
        UserModel user = context.getUser();
        if (user != null) {
            context.getSession().users().removeFederatedIdentity(context.getRealm(), user, idp.getAlias());
        }
        LOG.warnf("First-broker-login would link %s, an identity provider trusted for assurance, to the existing "
                + "account %s of realm %s (re-authenticated through %s) without that account's second factor: "
                + "link removed, login refused", idp.getAlias(), user == null ? "?" : user.getUsername(),
                context.getRealm().getName(), brokered.getIdpConfig().getAlias());
        context.getEvent().detail(EVENT_DECISION, "link_to_existing_account_refused");
        context.failure(AuthenticationFlowError.ACCESS_DENIED, context.form().setError("assuranceLinkNeedsAdmin")
                .createErrorPage(jakarta.ws.rs.core.Response.Status.FORBIDDEN));
    }

    /** Keycloak's note that first-broker-login created the account (rather than linked an existing one). */
    static final String BROKER_REGISTERED_NEW_USER = "BROKER_REGISTERED_NEW_USER";

    /**
     * Whether first-broker-login ran in this login and ended in a link to an account that existed before (Keycloak
     * notes a new account; anything else after first-broker-login is a link to an existing one).
     */
    static boolean linkedToAnExistingAccountInThisLogin(AuthenticationSessionModel authSession) {
        return "true".equals(authSession.getAuthNote(PostBrokerLoginConstants.PBL_AFTER_FIRST_BROKER_LOGIN))
                && !"true".equals(authSession.getAuthNote(BROKER_REGISTERED_NEW_USER));
    }

    /** Records whose levels the tab holds (read at completion by the binding action); clears another identity's. */
    private static void bindToThisIdentity(AuthenticationSessionModel authSession, UserModel user,
                                           BrokeredIdentityContext brokered) {
        if (user == null) {
            // No user to bind to: the completion check then refuses any level above the first factor.
            authSession.removeAuthNote(LevelBindingRequiredAction.OWNER_NOTE);
            return;
        }
        String brokerUserId = brokered.getBrokerUserId() != null ? brokered.getBrokerUserId()
                : brokered.getIdpConfig().getAlias() + "." + brokered.getId();
        String identity = new LevelOwnership.Identity(user.getId(), brokerUserId).toNote();
        if (!identity.equals(authSession.getAuthNote(LevelBindingRequiredAction.OWNER_NOTE))) {
            authSession.removeAuthNote(Constants.LOA_MAP);
            authSession.removeAuthNote(Constants.LEVEL_OF_AUTHENTICATION);
        }
        authSession.setAuthNote(LevelBindingRequiredAction.OWNER_NOTE, identity);
    }

    static FederatedLevel.Trust trust(IdentityProviderModel idp, Set<String> trustedAliases) {
        Map<String, String> config = idp.getConfig() == null ? Map.of() : idp.getConfig();
        boolean marked = trustedAliases.contains(idp.getAlias()) || "true".equals(config.get(TRUSTED_IDP_CONFIG));
        if (!marked) {
            return FederatedLevel.Trust.NOT_TRUSTED;
        }
        // every SAML identity provider (Keycloak's type, or one built on it such as federation members) has an entityID
        boolean saml = "saml".equals(idp.getProviderId()) || config.containsKey("idpEntityId");
        if (saml && !"true".equals(config.get("validateSignature"))) {
            LOG.warnf("Identity provider %s is trusted for assurance but Keycloak does not validate its SAML "
                    + "signatures; its AuthnContextClassRef is ignored", idp.getAlias());
            return FederatedLevel.Trust.UNSIGNED;
        }
        return FederatedLevel.Trust.TRUSTED;
    }

    private static BrokeredIdentityContext brokeredContext(AuthenticationFlowContext context) {
        for (String note : new String[] {PostBrokerLoginConstants.PBL_BROKERED_IDENTITY_CONTEXT,
                AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE}) {
            SerializedBrokeredIdentityContext serialized = SerializedBrokeredIdentityContext
                    .readFromAuthenticationSession(context.getAuthenticationSession(), note);
            if (serialized != null) {
                return serialized.deserialize(context.getSession(), context.getAuthenticationSession());
            }
        }
        return null;
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        context.success();
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
