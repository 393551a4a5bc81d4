package org.sciencegateway.keycloak.samlfederation.login;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SharedAcsResourceTest {

    @Test
    void anIssuerIsLoggedAsOneQuotedLine() {
        assertEquals("\"https://idp.example.org/idp\"", SharedAcsResource.printable("https://idp.example.org/idp"));
    }

    @Test
    void anIssuerCannotForgeLogLines() {
        String shown = SharedAcsResource.printable("https://evil.example/\nWARN forged line \"x\\");
        assertFalse(shown.contains("\n"), shown);
        assertEquals("\"https://evil.example/\\u000aWARN forged line \\u0022x\\u005c\"", shown);
    }

    @Test
    void anIssuerCannotHideTextOrBreakLinesWithUnicode() {
        assertEquals("\"a\\u2028b\\u202ec\"", SharedAcsResource.printable("a\u2028b\u202Ec"));
    }

    @Test
    void aCutKeepsWholeCharacters() {
        String shown = SharedAcsResource.printable("a".repeat(255) + "\uD83D\uDE00" + "tail");
        assertTrue(shown.endsWith("\uD83D\uDE00…\""), shown);
    }

    @Test
    void aLongIssuerIsCut() {
        String shown = SharedAcsResource.printable("a".repeat(100_000));
        assertTrue(shown.length() < 300, "length " + shown.length());
        assertTrue(shown.endsWith("…\""), shown);
    }
}
