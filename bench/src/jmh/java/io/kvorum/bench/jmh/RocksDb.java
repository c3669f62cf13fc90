package io.kvorum.bench.jmh;

import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * The default backend in a fresh temporary directory, opened through its plugin as the server
 * opens it, and removed again when closed.
 */
public final class RocksDb implements AutoCloseable {
    private final Path directory;
    private final Backend backend;

    public RocksDb() {
        try {
            directory = Files.createTempDirectory("kvorum-jmh");
            BackendProvider provider = ServiceLoader.load(BackendProvider.class).stream()
                    .map(ServiceLoader.Provider::get)
                    .filter(p -> p.name().equals("rocksdb"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("the rocksdb backend plugin is not on the class path"));
            backend = provider.open(new BackendContext(directory, MvccStore.BUCKETS, PluginOptions.empty()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Backend backend() {
        return backend;
    }

    @Override
    public void close() throws IOException {
        backend.close();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
