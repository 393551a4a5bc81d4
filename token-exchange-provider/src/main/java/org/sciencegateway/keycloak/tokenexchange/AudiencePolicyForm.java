package org.sciencegateway.keycloak.tokenexchange;

import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

import java.util.List;

/** The audience exchange policy's form in the admin console: labels, help texts, types and defaults. */
final class AudiencePolicyForm {

    static final List<ProviderConfigProperty> PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(AudiencePolicyParser.ALLOWED_REQUESTERS).label("Requesting clients")
            .helpText("Client IDs of the confidential clients that may exchange a user's access token for a token "
                    + "whose only audience is this client. Each must present the user's token issued to itself. "
                    + "The entry @approved-hubs admits every hub a realm admin approved (hub-tenants).")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).required(true).add()
            .property().name(AudiencePolicyParser.REQUIRED_GROUPS).label("Required groups")
            .helpText("Group paths such as /escape/users. When set, the user must be in one of these groups or in "
                    + "one of their subgroups. Leave empty to admit every user.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(AudiencePolicyParser.REQUIRED_ROLES).label("Required roles")
            .helpText("Realm role names, or clientId.role for client roles. When set, the user must hold one of "
                    + "them (directly, through a group or a composite role). Leave empty to admit every user.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(AudiencePolicyParser.GRANTABLE_SCOPES).label("Grantable scopes")
            .helpText("The scopes an exchanged token may carry, such as openid and profile. A request gets the "
                    + "scopes it asks for, or without a scope parameter all of these, but never a scope its subject "
                    + "token lacks.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).required(true).add()
            .property().name(AudiencePolicyParser.MAX_LIFETIME_SECONDS).label("Maximum lifetime (seconds)")
            .helpText("Upper bound of the exchanged access token lifetime, from "
                    + AudiencePolicyParser.MIN_LIFETIME_SECONDS + " to " + AudiencePolicyParser.MAX_LIFETIME_LIMIT_SECONDS
                    + ". The token also never outlives the subject token.")
            .type(ProviderConfigProperty.STRING_TYPE)
            .defaultValue(String.valueOf(AudiencePolicyParser.DEFAULT_LIFETIME_SECONDS)).add()
            .property().name(AudiencePolicyParser.LIFETIME_BOUND).label("Lifetime bound")
            .helpText("What the exchanged token may not outlive besides the maximum lifetime. subject-token: the "
                    + "subject token and the requesting client's access-token lifespan (5 minutes by default). "
                    + "session: the user's SSO session and the requester's client session (idle and maximum), "
                    + "for tokens handed to long-running work such as notebooks.")
            .type(ProviderConfigProperty.LIST_TYPE)
            .options(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN.configValue(),
                    AudiencePolicy.LifetimeBound.SESSION.configValue())
            .defaultValue(AudiencePolicy.LifetimeBound.SUBJECT_TOKEN.configValue()).add()
            .property().name(AudiencePolicyParser.REFRESH_ALLOWED).label("Refresh token allowed")
            .helpText("Whether requested_token_type=urn:ietf:params:oauth:token-type:refresh_token is honoured. "
                    + "Refreshing such a refresh token re-applies this policy and keeps the audience restriction.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(AudiencePolicyParser.WLCG_CLAIMS).label("WLCG claims")
            .helpText("Add the WLCG common JWT profile claims wlcg.ver (1.0) and wlcg.groups.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(AudiencePolicyParser.WLCG_GROUPS_ROOT).label("WLCG groups root")
            .helpText("Group path whose subtree feeds wlcg.groups, e.g. /escape; / for all of the user's groups.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue("/").add()
            .property().name(AudiencePolicyParser.REFRESH_ID_TOKEN).label("ID token on refresh")
            .helpText("Whether refreshing an exchanged refresh token also returns an ID token for the requester. "
                    + "Off (the default), refresh responses carry no id_token, like the exchange response; "
                    + "on needs Refresh token allowed and openid among the grantable scopes.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(AudiencePolicyParser.MINIMUM_LEVEL).label("Minimum authentication level")
            .helpText("The level of authentication the user's session must have reached, as an ACR value of the "
                    + "realm's ACR to LoA mapping (for example https://refeds.org/profile/mfa) or as a level number. "
                    + "Judged on the requesting client's session at every exchange and every refresh; a weaker "
                    + "session is refused with insufficient_user_authentication. Leave empty for no minimum.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(AudiencePolicyParser.MAX_AUTH_AGE_SECONDS).label("Maximum authentication age (seconds)")
            .helpText("How long ago, at most, the user may have completed the authentication that reached the "
                    + "minimum level (without a minimum: the last sign-in), from 1 to "
                    + AudiencePolicyParser.MAX_AUTH_AGE_LIMIT_SECONDS + ". Older sessions are refused with "
                    + "insufficient_user_authentication. Leave empty for no limit.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(AudiencePolicyParser.GROUPS_CLAIM).label("Groups claim name")
            .helpText("Name of a claim listing the user's groups (full paths) in the subtree below, for a receiver "
                    + "that authorises on groups, such as motley_cue's vo_claim. The exchange issues the token for "
                    + "the requesting client, so mappers of this client never run: set the claim here. Leave empty "
                    + "for no groups claim.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(AudiencePolicyParser.GROUPS_CLAIM_ROOT).label("Groups claim subtree")
            .helpText("Group path whose subtree the groups claim lists (the group itself and its subgroups), "
                    + "for example /escape/cluster-users; / for all of the user's groups. Needed with a groups claim.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(AudiencePolicyParser.ACCOUNT_ATTRIBUTE).label("Account attribute")
            .helpText("User attribute holding the user's account at this audience, for example posix_username "
                    + "filled from LDAP uid by a user attribute mapper of the realm's LDAP federation. Copied into "
                    + "the account claim. A user with several values, or a value that is not a POSIX user name, is "
                    + "refused with access_denied. Leave empty for no account claim.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(AudiencePolicyParser.ACCOUNT_CLAIM).label("Account claim name")
            .helpText("Name of the claim carrying the account attribute's value.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(AccountClaim.DEFAULT_CLAIM).add()
            .property().name(AudiencePolicyParser.ACCOUNT_REQUIRED).label("Account required")
            .helpText("On: a user without the account attribute gets no token for this audience (access_denied "
                    + "naming the attribute). Off: such a user's token just lacks the account claim.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .build();

    private AudiencePolicyForm() {
    }
}
