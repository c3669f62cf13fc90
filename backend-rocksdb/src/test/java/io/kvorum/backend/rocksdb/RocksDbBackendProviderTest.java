package io.kvorum.backend.rocksdb;

import static io.kvorum.backend.rocksdb.TestBackends.KEY;
import static io.kvorum.backend.rocksdb.TestBackends.get;
import static io.kvorum.backend.rocksdb.TestBackends.put;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksDbBackendProviderTest {
    @TempDir
    Path directory;

    @Test
    void serviceLoaderFindsTheProviderByItsName() {
        // a named module may only load services it declares it uses; the launcher declares it
        getClass().getModule().addUses(BackendProvider.class);
        List<String> names = ServiceLoader.load(BackendProvider.class).stream()
                .map(provider -> provider.get().name())
                .toList();
        assertTrue(names.contains("rocksdb"), names.toString());
    }

    @Test
    void classPathServiceFileNamesTheProvider() throws IOException {
        try (InputStream file = RocksDbBackendProvider.class.getClassLoader()
                .getResourceAsStream("META-INF/services/" + BackendProvider.class.getName())) {
            assertNotNull(file);
            assertEquals(RocksDbBackendProvider.class.getName(), new String(file.readAllBytes(), UTF_8).trim());
        }
    }

    @Test
    void everyOptionIsDescribed() {
        Map<String, String> options = new RocksDbBackendProvider().options();
        assertEquals(List.of("block-cache-bytes", "write-buffer-bytes", "compression", "bloom-bits-per-key",
                "max-background-jobs"), List.copyOf(options.keySet()));
        options.values().forEach(description -> assertFalse(description.isBlank()));
    }

    @Test
    void everyOptionTakesEffectWithoutHarm() throws Exception {
        for (String compression : List.of("none", "snappy", "lz4", "zstd")) {
            Path store = directory.resolve(compression);
            try (Backend backend = TestBackends.open(store, Map.of(
                    "compression", compression,
                    "block-cache-bytes", "0",
                    "bloom-bits-per-key", "0",
                    "write-buffer-bytes", "65536",
                    "max-background-jobs", "1"), KEY)) {
                put(backend, KEY, "a", "1");
                backend.defragment();
                assertEquals("1", get(backend, KEY, "a"));
            }
        }
    }

    @Test
    void unknownOptionIsRefusedWithTheKnownOnes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TestBackends.open(directory, Map.of("block-cache-size", "1"), KEY));
        assertTrue(refused.getMessage().contains("block-cache-size"), refused.getMessage());
        assertTrue(refused.getMessage().contains("block-cache-bytes"), refused.getMessage());
    }

    @Test
    void invalidValuesAreRefusedNamingTheOption() {
        for (Map<String, String> invalid : List.of(
                Map.of("compression", "gzip"),
                Map.of("write-buffer-bytes", "10"),
                Map.of("block-cache-bytes", "-1"),
                Map.of("block-cache-bytes", "lots"))) {
            String option = invalid.keySet().iterator().next();
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> TestBackends.open(directory, invalid, KEY));
            assertTrue(refused.getMessage().contains(option), refused.getMessage());
        }
    }

    @Test
    void directoryHoldingSomeOtherRocksDbIsRefused() throws Exception {
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB foreign = RocksDB.open(options, directory.toString())) {
            foreign.put("someone else's".getBytes(UTF_8), "data".getBytes(UTF_8));
        }
        IOException refused = assertThrows(IOException.class, () -> TestBackends.open(directory, KEY));
        assertTrue(refused.getMessage().contains("did not create"), refused.getMessage());
    }
}
