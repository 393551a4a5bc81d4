package org.sciencegateway.keycloak.samlfederation.metadata;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class InlineLogoTest {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

    private static String data(String type, byte[] bytes) {
        return "data:" + type + ";base64," + Base64.getMimeEncoder().encodeToString(bytes);
    }

    @Test
    @DisplayName("Given a PNG, JPEG or GIF data: URL (base64, line breaks as in metadata), then the image is kept re-encoded")
    void rasterImagesKept() {
        assertThat(InlineLogo.of(data("image/png", PNG))).isEqualTo("image/png;base64," + Base64.getEncoder().encodeToString(PNG));
        assertThat(InlineLogo.of(data("image/jpeg", new byte[]{(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0})))
                .startsWith("image/jpeg;base64,");
        assertThat(InlineLogo.of(data("image/gif", "GIF89a....".getBytes(StandardCharsets.US_ASCII))))
                .startsWith("image/gif;base64,");
        assertThat(InlineLogo.of("DATA:IMAGE/PNG;BASE64," + Base64.getEncoder().encodeToString(PNG))).isNotNull();
    }

    @Test
    @DisplayName("Given SVG, HTML claiming to be PNG, no base64, broken base64, an empty or oversized image, then nothing is kept")
    void everythingElseDropped() {
        assertThat(InlineLogo.of(data("image/svg+xml", "<svg onload=\"alert(1)\"/>".getBytes(StandardCharsets.UTF_8)))).isNull();
        assertThat(InlineLogo.of(data("image/png", "<html><script>alert(1)</script>".getBytes(StandardCharsets.UTF_8)))).isNull();
        assertThat(InlineLogo.of("data:image/png,%89PNG")).isNull();
        assertThat(InlineLogo.of("data:image/png;base64,@@@@")).isNull();
        assertThat(InlineLogo.of("data:image/png;base64,")).isNull();
        byte[] large = new byte[InlineLogo.MAX_BYTES + 1];
        System.arraycopy(PNG, 0, large, 0, PNG.length);
        assertThat(InlineLogo.of(data("image/png", large))).isNull();
        assertThat(InlineLogo.of("https://idp.example/logo.png")).isNull();
        assertThat(InlineLogo.of(null)).isNull();
    }
}
