package io.kvorum.examples.embedded;

import io.kvorum.server.KvorumServer;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one kvorum member inside this application, keeping its data in SQLite under a folder of
 * the application's choosing. Any etcd client then talks to it at {@link KvorumServer#clientUrls()}.
 *
 * <pre>
 * java --module-path lib --add-modules ALL-MODULE-PATH -m io.kvorum.examples.embedded/io.kvorum.examples.embedded.EmbeddedStore data http://127.0.0.1:2379
 * </pre>
 */
public final class EmbeddedStore {
    /** The backend, by the name its plugin registers; nothing here names its classes. */
    public static final String BACKEND = "sqlite";

    private EmbeddedStore() {
    }

    /**
     * Starts a member storing under {@code dataDir} and serving clients on {@code listen} (port 0:
     * any free port; the one bound is in {@link KvorumServer#clientUrls()}).
     */
    public static KvorumServer start(Path dataDir, URI listen) throws IOException {
        KvorumServer server = KvorumServer.builder()
                .config(ServerConfig.builder()
                        .name("embedded")
                        .dataDir(dataDir)
                        .listenClientUrls(List.of(listen))
                        .backend(BACKEND)
                        // a small application needs no 16 MiB page cache per connection
                        .backendOptions(PluginOptions.of(Map.of("cache-size-bytes", "4194304")))
                        .build())
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Arguments: the data folder, then the client URL (default {@code http://127.0.0.1:2379}). */
    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: EmbeddedStore <data-dir> [client-url]");
            System.exit(2);
        }
        URI listen = URI.create(args.length > 1 ? args[1] : "http://127.0.0.1:2379");
        KvorumServer server = start(Path.of(args[0]), listen);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "embedded-store-stop"));
        System.out.println("serving etcd clients on " + server.clientUrls());
        stopped.await();
    }
}
