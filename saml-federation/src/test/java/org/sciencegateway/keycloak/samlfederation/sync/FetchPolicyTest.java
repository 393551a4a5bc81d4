package org.sciencegateway.keycloak.samlfederation.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FetchPolicyTest {

    /** Resolves literal addresses, and names as a test DNS says. */
    static InetAddress[] dns(String host) throws UnknownHostException {
        return switch (host) {
            case "mds.edugain.org" -> new InetAddress[]{InetAddress.getByName("185.7.141.10")};
            case "internal.example" -> new InetAddress[]{InetAddress.getByName("10.1.2.3")};
            case "rebind.example" -> new InetAddress[]{InetAddress.getByName("93.184.216.34"),
                    InetAddress.getByName("127.0.0.1")};
            case "localhost" -> new InetAddress[]{InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")};
            case "nowhere.example" -> throw new UnknownHostException(host);
            default -> {
                if (!host.contains(":") && !host.matches("[0-9.]+")) {
                    throw new UnknownHostException(host);
                }
                yield new InetAddress[]{InetAddress.getByName(host)};
            }
        };
    }

    @Test
    void byDefaultFileUrlsAreRefused() {
        for (String url : new String[]{"file:///etc/passwd", "file:///etc/", "file:///proc/self/environ",
                "file:/opt/keycloak/conf/keycloak.conf"}) {
            assertThatThrownBy(() -> FetchPolicy.DEFAULT.checkUrl(URI.create(url), FetchPolicyTest::dns))
                    .isInstanceOf(FetchPolicy.Refused.class)
                    .hasMessage(FetchPolicy.FILE_REFUSED);
            assertThatThrownBy(() -> FetchPolicy.DEFAULT.checkFile(URI.create(url)))
                    .hasMessage(FetchPolicy.FILE_REFUSED);
        }
    }

    @Test
    void byDefaultInternalHostsAreRefusedAlikeAndPublicOnesPass() {
        for (String host : new String[]{"localhost", "127.0.0.1", "127.0.0.2", "[::1]", "0.0.0.0", "10.0.0.1",
                "172.16.5.4", "192.168.1.1", "169.254.169.254", "[fe80::1]", "[fd00::1]", "100.64.0.1",
                "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "224.0.0.1", "255.255.255.255", "internal.example",
                "rebind.example", "nowhere.example", "[64:ff9b::a00:1]"}) {
            assertThatThrownBy(() -> FetchPolicy.DEFAULT.checkUrl(URI.create("http://" + host + ":8080/x"),
                    FetchPolicyTest::dns)).as(host).isInstanceOf(FetchPolicy.Refused.class)
                    .hasMessage(FetchPolicy.HOST_REFUSED);
        }
        assertThatCode(() -> FetchPolicy.DEFAULT.checkUrl(URI.create("https://mds.edugain.org/edugain-v2.xml"),
                FetchPolicyTest::dns)).doesNotThrowAnyException();
        assertThatCode(() -> FetchPolicy.DEFAULT.checkUrl(URI.create("http://8.8.8.8/x"), FetchPolicyTest::dns))
                .doesNotThrowAnyException();
    }

    @Test
    void refusalsRevealNothingOfTheServer() {
        assertThat(FetchPolicy.HOST_REFUSED).doesNotContain("127.0.0.1").doesNotContain("10.");
        assertThat(FetchPolicy.FILE_OUTSIDE).doesNotContain("/");
    }

    @Test
    void anAllowedNetworkOpensOnlyItself() throws Exception {
        FetchPolicy policy = FetchPolicy.of(null, "127.0.0.1, 10.1.0.0/16");
        policy.checkUrl(URI.create("http://127.0.0.1:1234/metadata.xml"), FetchPolicyTest::dns);
        policy.checkUrl(URI.create("https://internal.example/md.xml"), FetchPolicyTest::dns);
        for (String host : new String[]{"127.0.0.2", "[::1]", "localhost", "10.2.0.1", "169.254.169.254"}) {
            assertThatThrownBy(() -> policy.checkUrl(URI.create("http://" + host + "/"), FetchPolicyTest::dns))
                    .as(host).isInstanceOf(FetchPolicy.Refused.class);
        }
    }

    @Test
    void invalidOptionsStopTheServerNamingTheOption() {
        assertThatThrownBy(() -> FetchPolicy.of("relative/dir", null)).hasMessageContaining("file-directory");
        assertThatThrownBy(() -> FetchPolicy.of(null, "intranet.example")).hasMessageContaining("internal-networks");
        assertThatThrownBy(() -> FetchPolicy.of(null, "10.0.0.0/33")).hasMessageContaining("internal-networks");
        assertThatThrownBy(() -> FetchPolicy.of(null, "10.0.0.0/x")).hasMessageContaining("internal-networks");
    }

    @Test
    void fileUrlsOnlyWithinTheConfiguredDirectory(@TempDir Path root) throws Exception {
        Path allowed = Files.createDirectories(root.resolve("federation"));
        Path feed = Files.writeString(allowed.resolve("feed.xml"), "<x/>");
        Path secret = Files.writeString(root.resolve("secret.conf"), "password=x");
        Files.createSymbolicLink(allowed.resolve("link.xml"), secret);
        Files.createDirectories(allowed.resolve("sub"));
        FetchPolicy policy = FetchPolicy.of(allowed.toString(), null);

        assertThat(policy.checkFile(feed.toUri())).isEqualTo(feed.toRealPath());
        assertThatCode(() -> policy.checkUrl(feed.toUri(), FetchPolicyTest::dns)).doesNotThrowAnyException();
        for (URI refused : new URI[]{secret.toUri(), URI.create(allowed.toUri() + "../secret.conf"),
                allowed.resolve("link.xml").toUri(), allowed.resolve("sub").toUri(), allowed.toUri(),
                allowed.resolve("missing.xml").toUri(), URI.create("file:///etc/passwd")}) {
            assertThatThrownBy(() -> policy.checkFile(refused)).as(refused.toString())
                    .hasMessage(FetchPolicy.FILE_OUTSIDE);
        }
        assertThatThrownBy(() -> policy.checkUrl(URI.create(allowed.toUri() + "../secret.conf"),
                FetchPolicyTest::dns)).hasMessage(FetchPolicy.FILE_OUTSIDE);
        assertThatThrownBy(() -> policy.checkUrl(URI.create("file://otherhost/etc/passwd"), FetchPolicyTest::dns))
                .hasMessage(FetchPolicy.FILE_OUTSIDE);
    }
}
