package io.kvorum.backend.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

class SqliteBackendProviderTest {
    @TempDir
    Path directory;

    static Backend open(Path directory, Map<String, String> options) throws IOException {
        return new SqliteBackendProvider().open(
                new BackendContext(directory, List.of(Bucket.KEY), PluginOptions.of(options)));
    }

    @Test
    void serviceLoaderFindsTheProviderByItsName() {
        // a named module may only load services it declares it uses; the launcher declares it
        getClass().getModule().addUses(BackendProvider.class);
        List<String> names = ServiceLoader.load(BackendProvider.class).stream()
                .map(provider -> provider.get().name())
                .toList();
        assertTrue(names.contains("sqlite"), names.toString());
    }

    @Test
    void classPathServiceFileNamesTheProvider() throws IOException {
        try (InputStream file = SqliteBackendProvider.class.getClassLoader()
                .getResourceAsStream("META-INF/services/" + BackendProvider.class.getName())) {
            assertNotNull(file);
            assertEquals(SqliteBackendProvider.class.getName(), new String(file.readAllBytes(), UTF_8).trim());
        }
    }

    @Test
    void everyOptionIsDescribed() {
        Map<String, String> options = new SqliteBackendProvider().options();
        assertEquals(List.of("cache-size-bytes", "mmap-size-bytes", "reader-pool-size", "synchronous"),
                List.copyOf(options.keySet()));
        options.values().forEach(description -> assertFalse(description.isBlank()));
    }

    @Test
    void everyOptionTakesEffectWithoutHarm() throws Exception {
        for (String synchronous : List.of("normal", "full", "FULL")) {
            Path store = directory.resolve(synchronous);
            try (Backend backend = open(store, Map.of(
                    "cache-size-bytes", String.valueOf(1 << 20),
                    "mmap-size-bytes", "0",
                    "reader-pool-size", "1",
                    "synchronous", synchronous))) {
                try (WriteBatch batch = backend.newBatch()) {
                    batch.put(Bucket.KEY, "a".getBytes(UTF_8), "1".getBytes(UTF_8));
                    backend.commit(batch, false);
                }
                // more views at once than the pool keeps: more connections open, the extra ones close
                try (ReadView one = backend.readView(); ReadView two = backend.readView()) {
                    assertEquals("1", new String(one.get(Bucket.KEY, "a".getBytes(UTF_8)).orElseThrow(), UTF_8));
                    assertEquals("1", new String(two.get(Bucket.KEY, "a".getBytes(UTF_8)).orElseThrow(), UTF_8));
                }
                backend.defragment();
            }
        }
    }

    @Test
    void unknownOptionIsRefusedWithTheKnownOnes() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> open(directory, Map.of("cache-size", "1")));
        assertTrue(refused.getMessage().contains("cache-size"), refused.getMessage());
        assertTrue(refused.getMessage().contains("cache-size-bytes"), refused.getMessage());
    }

    @Test
    void invalidValuesAreRefusedNamingTheOption() {
        for (Map<String, String> invalid : List.of(
                Map.of("synchronous", "off"),
                Map.of("cache-size-bytes", "1024"),
                Map.of("mmap-size-bytes", "-1"),
                Map.of("reader-pool-size", "0"),
                Map.of("reader-pool-size", "many"))) {
            String option = invalid.keySet().iterator().next();
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> open(directory, invalid));
            assertTrue(refused.getMessage().contains(option), refused.getMessage());
        }
    }

    @Test
    void fileHoldingSomeOtherSqliteDatabaseIsRefused() throws Exception {
        try (Connection foreign = new SQLiteConfig().createConnection(
                "jdbc:sqlite:" + directory.resolve(DatabaseFile.NAME));
                Statement statement = foreign.createStatement()) {
            statement.execute("CREATE TABLE notes (text TEXT)");
        }
        IOException refused = assertThrows(IOException.class, () -> open(directory, Map.of()));
        assertTrue(refused.getMessage().contains("did not create"), refused.getMessage());
    }

    @Test
    void fileThatIsNoDatabaseIsRefused() throws Exception {
        Files.writeString(directory.resolve(DatabaseFile.NAME), "this is not a database, just text ".repeat(200));
        IOException refused = assertThrows(IOException.class, () -> open(directory, Map.of()));
        assertTrue(refused.getMessage().contains(DatabaseFile.NAME), refused.getMessage());
    }
}
