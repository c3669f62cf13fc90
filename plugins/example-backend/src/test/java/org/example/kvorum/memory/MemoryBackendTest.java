package org.example.kvorum.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the TCK leaves to each backend: its options, its files, a log cut by a crash. */
class MemoryBackendTest {
    @TempDir
    Path directory;

    private Backend open(Map<String, String> options) throws IOException {
        return new MemoryBackendProvider().open(new BackendContext(directory, List.of(Bucket.KEY), PluginOptions.of(options)));
    }

    private static void put(Backend backend, String key, boolean durable) throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(Bucket.KEY, key.getBytes(UTF_8), key.getBytes(UTF_8));
            backend.commit(batch, durable);
        }
    }

    private static List<String> keys(Backend backend) {
        List<String> keys = new ArrayList<>();
        try (ReadView view = backend.readView()) {
            view.scan(Bucket.KEY, new byte[0], null, false, 0, (key, value) -> keys.add(new String(key, UTF_8)));
        }
        return keys;
    }

    @Test
    void aCommitCutShortByACrashIsDroppedAndTheLogGoesOnAfterTheLastWholeOne() throws IOException {
        try (Backend backend = open(Map.of())) {
            put(backend, "a", true);
            put(backend, "b", true);
        }
        Path log = directory.resolve(MemoryBackend.LOG_FILE);
        long whole = Files.size(log);
        // The first bytes of a third frame, as a crash in the middle of a write leaves them.
        Files.write(log, new byte[] {0, 0, 0, 40, 1, 2}, StandardOpenOption.APPEND);

        try (Backend backend = open(Map.of())) {
            assertEquals(List.of("a", "b"), keys(backend));
            assertEquals(whole, Files.size(log), "the torn frame is cut off");
            put(backend, "c", false);
        }
        try (Backend backend = open(Map.of())) {
            assertEquals(List.of("a", "b", "c"), keys(backend));
        }
    }

    @Test
    void syncAlwaysIsAccepted() throws IOException {
        try (Backend backend = open(Map.of("sync", "always"))) {
            put(backend, "a", false);
        }
        try (Backend backend = open(Map.of())) {
            assertEquals(List.of("a"), keys(backend));
        }
    }

    @Test
    void unknownOptionsAndBadValuesAreRefusedByName() {
        String unknown = assertThrows(IllegalArgumentException.class, () -> open(Map.of("cache", "1"))).getMessage();
        assertTrue(unknown.contains("cache") && unknown.contains("sync"), unknown);
        String bad = assertThrows(IllegalArgumentException.class, () -> open(Map.of("sync", "never"))).getMessage();
        assertTrue(bad.contains("sync") && bad.contains("never"), bad);
    }

    @Test
    void aFileThatIsNotItsLogIsRefusedAndLeftAlone() throws IOException {
        Path log = directory.resolve(MemoryBackend.LOG_FILE);
        Files.writeString(log, "someone else's file");
        IOException e = assertThrows(IOException.class, () -> open(Map.of()));
        assertTrue(e.getMessage().contains("not a memory backend log"), e.getMessage());
        assertEquals("someone else's file", Files.readString(log));
    }
}
