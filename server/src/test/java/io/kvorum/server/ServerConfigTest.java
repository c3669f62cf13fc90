package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the config builder fills in for an embedding application, and what it refuses. */
class ServerConfigTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @Test
    void withoutClientUrlsAMemberListensAndAdvertisesEtcdsDefault() {
        ServerConfig config = ServerConfig.builder().dataDir(Path.of("data")).build();
        assertEquals(List.of(ServerConfig.DEFAULT_CLIENT_URL), config.listenClientUrls());
        assertEquals(List.of(ServerConfig.DEFAULT_CLIENT_URL), config.advertiseClientUrls());
    }

    @Test
    void listenersAloneAreAlsoWhatIsAdvertised() {
        ServerConfig config = ServerConfig.builder().listenClientUrls(List.of(ANY_PORT)).build();
        assertEquals(List.of(ANY_PORT), config.advertiseClientUrls());
    }

    @Test
    void advertisedUrlsGivenAreKept() {
        URI advertised = URI.create("http://10.0.0.1:2379");
        ServerConfig config = ServerConfig.builder().listenClientUrls(List.of(ANY_PORT))
                .advertiseClientUrls(List.of(advertised)).build();
        assertEquals(List.of(advertised), config.advertiseClientUrls());
    }

    @Test
    void aMemberWithoutClientListenersIsRefusedNamingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().listenClientUrls(List.of()).build());
        assertTrue(e.getMessage().startsWith("--listen-client-urls"), e.getMessage());
    }

    @Test
    void autoCompactionIsOffAndTheQuotaEtcdsDefaultUnlessConfigured() {
        ServerConfig config = ServerConfig.builder().build();
        assertEquals(0, config.quotaBackendBytes());
        assertEquals("periodic", config.autoCompactionMode());
        assertEquals("0", config.autoCompactionRetention());
    }

    @Test
    void aBadAutoCompactionIsRefusedNamingTheFlag() {
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().autoCompactionMode("hourly").build());
        IllegalArgumentException retention = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().autoCompactionRetention("soon").build());
        assertTrue(mode.getMessage().startsWith("--auto-compaction-mode"), mode.getMessage());
        assertTrue(retention.getMessage().startsWith("--auto-compaction-retention"), retention.getMessage());
    }
}
