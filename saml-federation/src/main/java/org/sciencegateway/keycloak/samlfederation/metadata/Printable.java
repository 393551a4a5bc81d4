package org.sciencegateway.keycloak.samlfederation.metadata;

/**
 * A value taken from an untrusted document (an entityID, an element name, an issuer) as it may appear in a status
 * message or a log line: quoted, cut between characters after a bound, with control, format, line-separator,
 * quote and backslash characters escaped — so it can neither forge a log line nor end the quoted text.
 */
public final class Printable {

    private Printable() {
    }

    public static String quoted(String value, int limit) {
        String text = String.valueOf(value);
        boolean cut = text.codePointCount(0, text.length()) > limit;
        String shown = cut ? text.substring(0, text.offsetByCodePoints(0, limit)) : text;
        StringBuilder out = new StringBuilder(shown.length() + 3).append('"');
        shown.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || c == '"' || c == '\\' || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(cut ? "…\"" : "\"").toString();
    }
}
