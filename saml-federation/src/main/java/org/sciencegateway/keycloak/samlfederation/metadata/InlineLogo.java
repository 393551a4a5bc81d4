package org.sciencegateway.keycloak.samlfederation.metadata;

import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * A logo the metadata gives inline ({@code mdui:Logo} as a {@code data:} URL — all 61 of WAYF's identity providers
 * do), kept only when it is what it claims: a PNG, JPEG or GIF image (never SVG, which can carry script), base64
 * encoded, at most {@value #MAX_BYTES} bytes decoded, and starting with that format's signature. Kept as
 * {@code <media type>;base64,<data>} (re-encoded), served by the picker's own endpoint with that type.
 */
public final class InlineLogo {

    /** Largest decoded image kept: logos in metadata are small (WAYF's are 1 to 11 KB). */
    public static final int MAX_BYTES = 48 * 1024;

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8, (byte) 0xff};
    private static final byte[] GIF87 = {'G', 'I', 'F', '8', '7', 'a'};
    private static final byte[] GIF89 = {'G', 'I', 'F', '8', '9', 'a'};

    private InlineLogo() {
    }

    /** The logo as kept ({@code image/png;base64,…}), or {@code null} when {@code url} is not a safe inline image. */
    public static String of(String url) {
        if (url == null || !url.regionMatches(true, 0, "data:", 0, 5)) {
            return null;
        }
        int comma = url.indexOf(',');
        if (comma < 0) {
            return null;
        }
        String[] header = url.substring(5, comma).toLowerCase(Locale.ROOT).split(";");
        boolean base64 = header.length >= 2 && "base64".equals(header[header.length - 1].strip());
        String type = header[0].strip();
        if (!base64) {
            return null;
        }
        byte[] image;
        try {
            image = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (image.length == 0 || image.length > MAX_BYTES || !signatureMatches(type, image)) {
            return null;
        }
        return type + ";base64," + Base64.getEncoder().encodeToString(image);
    }

    private static boolean signatureMatches(String type, byte[] image) {
        return switch (type) {
            case "image/png" -> startsWith(image, PNG);
            case "image/jpeg", "image/jpg" -> startsWith(image, JPEG);
            case "image/gif" -> startsWith(image, GIF87) || startsWith(image, GIF89);
            default -> false;
        };
    }

    private static boolean startsWith(byte[] image, byte[] signature) {
        return image.length >= signature.length
                && Arrays.equals(image, 0, signature.length, signature, 0, signature.length);
    }
}
