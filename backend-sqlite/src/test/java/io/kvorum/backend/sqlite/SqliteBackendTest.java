package io.kvorum.backend.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/** What the sqlite backend does beyond the TCK: its file, its query plans, its views' lifecycle. */
class SqliteBackendTest {
    @TempDir
    Path directory;

    @Test
    void databaseIsInWalModeAndMarkedAsKvorums() throws Exception {
        try (Backend backend = SqliteBackendProviderTest.open(directory, Map.of())) {
            put(backend, "a", "1");
            try (Connection file = connect(); Statement statement = file.createStatement()) {
                assertEquals("wal", single(statement, "PRAGMA journal_mode"));
                assertEquals("2", single(statement, "PRAGMA auto_vacuum"), "incremental");
                assertEquals(String.valueOf(0x4b56524d), single(statement, "PRAGMA application_id"));
            }
        }
    }

    /** Every scan walks the primary key in its own order and stops at its bounds: no sort, no full scan. */
    @Test
    void scansSearchThePrimaryKeyWithoutSorting() throws Exception {
        try (Backend backend = SqliteBackendProviderTest.open(directory, Map.of());
                Connection file = connect();
                Statement statement = file.createStatement()) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (boolean bounded : new boolean[] {false, true}) {
                    String sql = Reader.scanSql(reverse, bounded);
                    List<String> plan = new ArrayList<>();
                    try (ResultSet rows = statement.executeQuery("EXPLAIN QUERY PLAN " + sql.replace("?", "1"))) {
                        while (rows.next()) {
                            plan.add(rows.getString("detail"));
                        }
                    }
                    assertEquals(1, plan.size(), sql + ": " + plan);
                    String step = plan.get(0);
                    assertTrue(step.startsWith("SEARCH entry USING PRIMARY KEY (bucket=? AND key>?"), sql + ": " + step);
                    assertEquals(bounded, step.contains("key<?"), sql + ": " + step);
                    assertFalse(step.contains("TEMP B-TREE"), sql + ": " + step);
                }
            }
        }
    }

    @Test
    void closingAViewLetsAScanOnAnotherThreadFinishFirst() throws Exception {
        ExecutorService scanner = Executors.newSingleThreadExecutor();
        try (Backend backend = SqliteBackendProviderTest.open(directory, Map.of())) {
            put(backend, "a", "1");
            put(backend, "b", "2");
            ReadView view = backend.readView();
            CountDownLatch inVisitor = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<List<String>> scan = scanner.submit(() -> {
                List<String> keys = new ArrayList<>();
                view.scan(Bucket.KEY, new byte[0], null, false, 0, (key, value) -> {
                    keys.add(new String(key, UTF_8));
                    inVisitor.countDown();
                    await(release);
                    return true;
                });
                return keys;
            });
            assertTrue(inVisitor.await(10, TimeUnit.SECONDS));
            Thread closer = new Thread(view::close);
            closer.start();
            closer.join(200);
            assertTrue(closer.isAlive(), "close waits for the scan");
            release.countDown();
            assertEquals(List.of("a", "b"), scan.get(10, TimeUnit.SECONDS));
            closer.join(10_000);
            assertFalse(closer.isAlive());
        } finally {
            scanner.shutdownNow();
        }
    }

    @Test
    void scanStartedFromAVisitorOnTheSameViewRuns() throws Exception {
        try (Backend backend = SqliteBackendProviderTest.open(directory, Map.of())) {
            put(backend, "a", "1");
            put(backend, "b", "2");
            try (ReadView view = backend.readView()) {
                List<String> pairs = new ArrayList<>();
                view.scan(Bucket.KEY, new byte[0], null, false, 0, (outer, v) -> {
                    view.scan(Bucket.KEY, new byte[0], null, false, 0, (inner, w) ->
                            pairs.add(new String(outer, UTF_8) + new String(inner, UTF_8)));
                    return true;
                });
                assertEquals(List.of("aa", "ab", "ba", "bb"), pairs);
            }
        }
    }

    @Test
    void closingTheBackendClosesViewsLeftOpenAndIsIdempotent() throws Exception {
        Backend backend = SqliteBackendProviderTest.open(directory, Map.of());
        ReadView forgotten = backend.readView();
        backend.close();
        backend.close();
        assertThrows(IllegalStateException.class, () -> forgotten.get(Bucket.KEY, new byte[] {1}));
        assertThrows(IllegalStateException.class, backend::readView);
        forgotten.close();
    }

    private Connection connect() throws Exception {
        return new SQLiteConfig().createConnection("jdbc:sqlite:" + directory.resolve(DatabaseFile.NAME));
    }

    private static String single(Statement statement, String sql) throws Exception {
        try (ResultSet rows = statement.executeQuery(sql)) {
            assertTrue(rows.next());
            return rows.getString(1);
        }
    }

    private static void put(Backend backend, String key, String value) throws Exception {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(Bucket.KEY, key.getBytes(UTF_8), value.getBytes(UTF_8));
            backend.commit(batch, false);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
