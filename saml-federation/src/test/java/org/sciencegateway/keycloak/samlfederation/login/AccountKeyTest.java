package org.sciencegateway.keycloak.samlfederation.login;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.keycloak.dom.saml.v2.assertion.AssertionType;
import org.keycloak.dom.saml.v2.assertion.AttributeStatementType;
import org.keycloak.dom.saml.v2.assertion.AttributeType;
import org.keycloak.dom.saml.v2.assertion.NameIDType;
import org.sciencegateway.keycloak.idpfilter.rules.ScopeCheck;
import org.sciencegateway.keycloak.samlfederation.sync.LoginProfile;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The account key of a transient-NameID login (login.AccountKey), on assertions as the review's attacks built them. */
class AccountKeyTest {

    private static final String IDP = "https://idp.uni-x.example/idp";
    private static final List<String> ORDER = LoginProfile.DEFAULT_ACCOUNT_KEY_ATTRIBUTES;
    private static final ScopeCheck SCOPES = ScopeCheck.parse("[\"uni-x.example\"]");

    private static AssertionType assertion(AttributeType... attributes) {
        AssertionType assertion = new AssertionType("_a", javax.xml.datatype.DatatypeFactory.newDefaultInstance()
                .newXMLGregorianCalendar("2026-12-07T00:00:00Z"));
        AttributeStatementType statement = new AttributeStatementType();
        for (AttributeType attribute : attributes) {
            statement.addAttribute(new AttributeStatementType.ASTChoiceType(attribute));
        }
        assertion.addStatement(statement);
        return assertion;
    }

    private static AttributeType attribute(String name, String friendlyName, Object... values) {
        AttributeType attribute = new AttributeType(name);
        attribute.setFriendlyName(friendlyName);
        for (Object value : values) {
            attribute.addAttributeValue(value);
        }
        return attribute;
    }

    private static NameIDType targetedId(String nameQualifier, String spNameQualifier, String value) {
        NameIDType id = new NameIDType();
        id.setNameQualifier(nameQualifier);
        id.setSPNameQualifier(spNameQualifier);
        id.setValue(value);
        return id;
    }

    private static AccountKey.Key key(AttributeType... attributes) {
        return AccountKey.keyOf(assertion(attributes), ORDER, IDP, SCOPES);
    }

    @Test
    @DisplayName("Given subject-id, then it keys the account; without it pairwise-id, then eduPersonPrincipalName, then eduPersonTargetedID")
    void firstAttributeInOrder() {
        assertThat(key(attribute(LoginProfile.EDU_PERSON_PRINCIPAL_NAME, "eduPersonPrincipalName", "eve@uni-x.example"),
                attribute(LoginProfile.SUBJECT_ID, "subject-id", "1234@uni-x.example")).value()).isEqualTo("1234@uni-x.example");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_PRINCIPAL_NAME, null, "eve@uni-x.example")).value())
                .isEqualTo("eve@uni-x.example");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, targetedId(IDP, "https://sp", "opaque"))).value())
                .isEqualTo(IDP + "!https://sp!opaque");
    }

    @Test
    @DisplayName("Review: an attribute of another name whose FriendlyName is subject-id's URN is never the key")
    void friendlyNameIsALabel() {
        assertThat(key(attribute("urn:evil:selfservice", LoginProfile.SUBJECT_ID, "spoof@uni-x.example"),
                attribute(LoginProfile.SUBJECT_ID, "subject-id", "real@uni-x.example")).value()).isEqualTo("real@uni-x.example");
        assertThat(key(attribute("urn:evil:selfservice", LoginProfile.SUBJECT_ID, "spoof@uni-x.example")).refusal())
                .startsWith("none of");
    }

    @Test
    @DisplayName("Review: a multi-valued or repeated subject-id is refused, not resolved by order; the same value twice is one")
    void oneValue() {
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "a@uni-x.example", "b@uni-x.example")).refusal())
                .contains("carries 2 values");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "a@uni-x.example"),
                attribute(LoginProfile.SUBJECT_ID, null, "b@uni-x.example")).refusal()).contains("carries 2 values");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "a@uni-x.example"),
                attribute(LoginProfile.SUBJECT_ID, null, "a@uni-x.example")).value()).isEqualTo("a@uni-x.example");
    }

    @Test
    @DisplayName("Review: subject-id, pairwise-id and eduPersonPrincipalName outside the registered scopes, or not uniqueID@scope, are refused")
    void scopes() {
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "heidi@institution-transient.example.org")).refusal())
                .contains("scope is not one the federation registered");
        assertThat(key(attribute(LoginProfile.PAIRWISE_ID, null, "x@evil.example")).refusal()).contains("scope");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_PRINCIPAL_NAME, null, "eve@evil.example")).refusal()).contains("scope");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "heidi")).refusal()).contains("uniqueID@scope");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "a@b@uni-x.example")).refusal()).contains("uniqueID@scope");
        assertThat(AccountKey.keyOf(assertion(attribute(LoginProfile.SUBJECT_ID, null, "x@anywhere.example")), ORDER, IDP,
                ScopeCheck.NONE).value()).as("no scopes registered: nothing to check").isEqualTo("x@anywhere.example");
    }

    @Test
    @DisplayName("Review: eduPersonTargetedID qualifiers with the separator '!', or naming another identity provider, are refused")
    void targetedIdQualifiers() {
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, targetedId("a!b", "c", "v"))).refusal())
                .contains("'!'");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, targetedId(IDP, "b!c", "v"))).refusal())
                .contains("'!'");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, targetedId("https://other.example/idp", "s", "v")))
                .refusal()).contains("another identity provider");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, targetedId(null, "s", "v"))).refusal())
                .as("second review: no NameQualifier").contains("no NameQualifier");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_TARGETED_ID, null, IDP + "!https://sp!v")).refusal())
                .as("second review: the text form would collide with the NameID form").contains("is text");
    }

    @Test
    @DisplayName("Second review: an eduPersonPrincipalName with two @ or a space (a scope that reads two ways) is refused")
    void principalNameWithOneScope() {
        assertThat(key(attribute(LoginProfile.EDU_PERSON_PRINCIPAL_NAME, null, "k3c@uni-x.example@evil.example")).refusal())
                .contains("one @");
        assertThat(key(attribute(LoginProfile.EDU_PERSON_PRINCIPAL_NAME, null, "evil@evil.example @uni-x.example")).refusal())
                .contains("one @");
    }

    @Test
    @DisplayName("Given none of the attributes, or only empty or oversized values, then there is no key and the reason says so")
    void none() {
        assertThat(key().refusal()).isEqualTo("none of [subject-id, pairwise-id, eduPersonPrincipalName, eduPersonTargetedID]");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "  ")).refusal()).startsWith("none of");
        assertThat(key(attribute(LoginProfile.SUBJECT_ID, null, "x".repeat(2000) + "@uni-x.example")).refusal())
                .contains("longer than 1024");
    }
}
