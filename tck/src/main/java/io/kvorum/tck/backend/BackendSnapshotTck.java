package io.kvorum.tck.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part of {@link BackendTck} about images: {@link Backend#snapshot}, {@link Backend#restore} and
 * the point-in-time {@link io.kvorum.spi.backend.BackendSnapshot} handles of
 * {@link Backend#openSnapshot()}; and what every part of the TCK shares: the backend under test,
 * opened fresh for each test, and helpers. A plugin extends {@link BackendTck}, which holds these
 * tests too; extending this class alone runs only them.
 */
public abstract class BackendSnapshotTck {
    protected static final Bucket KEY = Bucket.KEY;
    protected static final Bucket META = Bucket.META;
    /** Not named at open: created by its first write. */
    protected static final Bucket LATE = new Bucket("tck-late");

    @TempDir
    protected Path directory;

    /** The backend under test, open on {@link #store()}. */
    protected Backend backend;

    /** The plugin under test. */
    protected abstract BackendProvider provider();

    /** The plugin's options for every backend a test opens. */
    protected Map<String, String> options() {
        return Map.of();
    }

    /** Opens (creating if needed) the backend in {@code dir}, as the server would. */
    protected Backend open(Path dir) throws IOException {
        return provider().open(new BackendContext(dir, List.of(KEY, META), PluginOptions.of(options())));
    }

    /** Where {@link #backend} lives. */
    protected Path store() {
        return directory.resolve("store");
    }

    @BeforeEach
    void openBackend() throws IOException {
        backend = open(store());
    }

    @AfterEach
    void closeBackend() throws IOException {
        if (backend != null) {
            backend.close();
        }
    }

    // ---- snapshot and restore --------------------------------------------------------------

    @Test
    void snapshotRestoresIntoAFreshBackend() throws IOException {
        commit(false, batch -> {
            batch.put(KEY, bytes(0x00), bytes(0xff));
            batch.put(KEY, bytes(0xff, 0x80), bytes());
            batch.put(META, utf8("m"), utf8("meta"));
            batch.put(LATE, utf8("l"), utf8("late"));
        });
        byte[] image = snapshot(backend);

        try (Backend fresh = open(directory.resolve("fresh"))) {
            fresh.restore(new ByteArrayInputStream(image));
            assertEquals(hex(everyKey(backend, KEY)), hex(everyKey(fresh, KEY)));
            try (ReadView view = fresh.readView()) {
                assertArrayEquals(bytes(0xff), view.get(KEY, bytes(0x00)).orElseThrow());
                assertArrayEquals(bytes(), view.get(KEY, bytes(0xff, 0x80)).orElseThrow());
                assertEquals("meta", text(view.get(META, utf8("m")).orElseThrow()));
                assertEquals("late", text(view.get(LATE, utf8("l")).orElseThrow()));
            }
            assertArrayEquals(image, snapshot(fresh), "the restored contents snapshot to the same image");
        }
    }

    @Test
    void restoreReplacesTheContentsWholeAndSurvivesReopen() throws IOException {
        fill(KEY, "a", "b");
        byte[] image = snapshot(backend);
        commit(false, batch -> {
            batch.put(KEY, utf8("c"), utf8("after"));
            batch.delete(KEY, utf8("a"));
            batch.put(LATE, utf8("x"), utf8("after"));
        });
        backend.restore(new ByteArrayInputStream(image));
        assertEquals(List.of("a", "b"), keys(KEY));
        assertEquals(List.of(), keys(LATE), "a bucket the image does not hold is empty");
        reopen();
        assertEquals(List.of("a", "b"), keys(KEY));
        assertEquals(List.of(), keys(LATE));
        fill(KEY, "c");
        assertEquals(List.of("a", "b", "c"), keys(KEY), "writes go on after a restore");
    }

    @Test
    void damagedImageIsRefusedAndTheContentsStayAsTheyWere() throws IOException {
        fill(KEY, "a", "b", "c");
        byte[] image = snapshot(backend);
        fill(KEY, "live");

        byte[] flipped = image.clone();
        flipped[flipped.length / 2] ^= 0x01;
        byte[] cut = Arrays.copyOf(image, image.length - 3);
        byte[] foreign = utf8("not an image of any backend, at least not this one");
        for (byte[] damaged : List.of(flipped, cut, foreign, bytes())) {
            assertThrows(IOException.class, () -> backend.restore(new ByteArrayInputStream(damaged)));
            assertEquals(List.of("a", "b", "c", "live"), keys(KEY));
        }
        reopen();
        assertEquals(List.of("a", "b", "c", "live"), keys(KEY));
    }

    @Test
    void viewOpenedBeforeARestoreKeepsSeeingTheOldContents() throws IOException {
        fill(KEY, "new");
        byte[] image = snapshot(backend);
        commit(false, batch -> {
            batch.delete(KEY, utf8("new"));
            batch.put(KEY, utf8("old"), utf8("old"));
        });
        try (ReadView old = backend.readView()) {
            backend.restore(new ByteArrayInputStream(image));
            assertEquals(List.of("old"), text(keys(old, KEY, "", null, false, 0)));
        }
        assertEquals(List.of("new"), keys(KEY));
    }

    @Test
    void snapshotIsOnePointInTimeWhileCommitsGoOn() throws Exception {
        writeRandom(1, 500, 100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (ReadView atStart = backend.readView()) {
            Future<?> writes = writer.submit(() -> {
                for (int i = 0; i < 50; i++) {
                    int n = i;
                    commit(false, batch -> batch.put(KEY, utf8(String.format("w%03d", n)), utf8("during")));
                }
                return null;
            });
            backend.snapshot(out);
            writes.get(60, TimeUnit.SECONDS);

            try (Backend restored = open(directory.resolve("restored"))) {
                restored.restore(new ByteArrayInputStream(out.toByteArray()));
                List<String> keys = keys(restored, KEY);
                List<String> written = keys.stream().filter(k -> k.startsWith("w")).toList();
                assertEquals(500 + written.size(), keys.size());
                for (int i = 0; i < written.size(); i++) {
                    assertEquals(String.format("w%03d", i), written.get(i), "commits are in the image in order");
                }
                assertEquals(500, keys(atStart, KEY, bytes(), null, false, 0).size());
            }
        } finally {
            writer.shutdownNow();
        }
    }

    // ---- point-in-time snapshots -----------------------------------------------------------

    @Test
    void openedSnapshotLeavesOutWhatIsCommittedAfterItOpened() throws IOException {
        fill(KEY, "a", "b");
        try (BackendSnapshot opened = backend.openSnapshot()) {
            commit(false, batch -> {
                batch.put(KEY, utf8("c"), utf8("after"));
                batch.delete(KEY, utf8("a"));
                batch.put(LATE, utf8("x"), utf8("after"));
            });
            try (Backend fresh = restoredFrom(opened, "fresh")) {
                assertEquals(List.of("a", "b"), keys(fresh, KEY));
                assertEquals(List.of(), keys(fresh, LATE), "a bucket first written afterwards is not in the image");
            }
        }
        assertEquals(List.of("b", "c"), keys(KEY), "the commits themselves went through");
    }

    @Test
    void openedSnapshotRestoresToExactlyTheContentsAtOpeningEveryTimeItIsWritten() throws IOException {
        writeRandom(2, 500, 100);
        fill(META, "consistent_index");
        fill(LATE, "late");
        try (ReadView view = backend.readView(); BackendSnapshot opened = backend.openSnapshot()) {
            List<String> atOpening = contents(view);
            writeRandom(3, 400, 100); // rewrites r00 and r01 with new values, adds r02
            commit(false, batch -> {
                batch.deleteRange(KEY, utf8("r01"), utf8("r02"));
                batch.put(META, utf8("consistent_index"), utf8("later"));
                batch.delete(LATE, utf8("late"));
            });
            for (String attempt : List.of("first", "second")) {
                try (Backend fresh = restoredFrom(opened, attempt)) {
                    try (ReadView restored = fresh.readView()) {
                        assertEquals(atOpening, contents(restored), attempt + " image");
                    }
                }
            }
        }
        assertEquals(900, keys(KEY).size(), "the commits went through: 500 of r00, none of r01, 400 of r02");
    }

    @Test
    @Timeout(120)
    void openedSnapshotIsWrittenOnAnotherThreadWhileCommitsGoOn() throws Exception {
        writeRandom(1, 2000, 100);
        CountDownLatch committedMeanwhile = new CountDownLatch(20);
        ExecutorService shipper = Executors.newSingleThreadExecutor();
        try (ReadView view = backend.readView(); BackendSnapshot opened = backend.openSnapshot()) {
            List<String> atOpening = contents(view);
            // applying goes on between the opening and the hand-over to the writer, as in a server
            writeChurn(0, 5);
            Future<byte[]> written = shipper.submit(() -> {
                ByteArrayOutputStream image = new ByteArrayOutputStream();
                // the first bytes wait for commits, so the write certainly runs beside them
                opened.writeTo(new FilterOutputStream(image) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        awaitCommits(committedMeanwhile);
                        out.write(b, off, len);
                    }

                    @Override
                    public void write(int b) throws IOException {
                        awaitCommits(committedMeanwhile);
                        out.write(b);
                    }
                });
                return image.toByteArray();
            });
            for (int n = 5; n < 10_000 && (n < 25 || !written.isDone()); n++) {
                writeChurn(n, n + 1);
                committedMeanwhile.countDown();
            }
            byte[] image = written.get(60, TimeUnit.SECONDS);
            try (Backend fresh = open(directory.resolve("fresh"))) {
                fresh.restore(new ByteArrayInputStream(image));
                try (ReadView restored = fresh.readView()) {
                    assertEquals(atOpening, contents(restored));
                }
            }
        } finally {
            shipper.shutdownNow();
        }
    }

    @Test
    void openedSnapshotKeepsWritingTheOldContentsAfterARestore() throws IOException {
        fill(KEY, "new");
        byte[] image = snapshot(backend);
        commit(false, batch -> {
            batch.delete(KEY, utf8("new"));
            batch.put(KEY, utf8("old"), utf8("old"));
        });
        try (BackendSnapshot old = backend.openSnapshot()) {
            backend.restore(new ByteArrayInputStream(image));
            try (Backend fresh = restoredFrom(old, "fresh")) {
                assertEquals(List.of("old"), keys(fresh, KEY));
            }
        }
        assertEquals(List.of("new"), keys(KEY));
    }

    @Test
    void closedSnapshotReleasesWhatItPinnedAndCannotBeWritten() throws IOException {
        writeRandom(4, 1000, 1000);
        backend.defragment();
        long full = backend.size();

        BackendSnapshot opened = backend.openSnapshot();
        commit(false, batch -> batch.deleteRange(KEY, utf8("r00"), utf8("r03")));
        backend.defragment();
        opened.close();
        opened.close(); // closing twice is harmless
        ByteArrayOutputStream nowhere = new ByteArrayOutputStream();
        try {
            opened.writeTo(nowhere);
            throw new AssertionError("a closed snapshot wrote " + nowhere.size() + " bytes");
        } catch (IllegalStateException | IOException expected) {
            // refused, as it should be
        }
        backend.defragment();

        long after = backend.size();
        assertTrue(after < full / 2, "size " + after + " after deleting 3/4 of " + full
                + " and closing the snapshot that pinned them");
        assertEquals(1000, keys(KEY).size());
    }

    /** Commits batches {@code from} until {@code to}, each rewriting, adding and deleting a key. */
    private void writeChurn(int from, int to) throws IOException {
        for (int n = from; n < to; n++) {
            int i = n;
            commit(false, batch -> {
                batch.put(KEY, utf8(String.format("r00-%05d", i % 2000)), utf8("during " + i));
                batch.put(KEY, utf8(String.format("w%05d", i)), utf8("during"));
                batch.delete(KEY, utf8(String.format("r00-%05d", (i * 7 + 3) % 2000)));
            });
        }
    }

    /** Writes {@code opened} and restores the image into a new backend under {@code name}. */
    protected Backend restoredFrom(BackendSnapshot opened, String name) throws IOException {
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        opened.writeTo(image);
        Backend fresh = open(directory.resolve(name));
        try {
            fresh.restore(new ByteArrayInputStream(image.toByteArray()));
        } catch (IOException | RuntimeException e) {
            fresh.close();
            throw e;
        }
        return fresh;
    }

    /** Every entry of {@link #KEY}, {@link #META} and {@link #LATE} in {@code view}, as text. */
    protected static List<String> contents(ReadView view) {
        List<String> entries = new ArrayList<>();
        for (Bucket bucket : List.of(KEY, META, LATE)) {
            view.scan(bucket, bytes(), null, false, 0,
                    (key, value) -> entries.add(bucket.name() + ":" + hex(key) + "=" + hex(value)));
        }
        return entries;
    }

    private static void awaitCommits(CountDownLatch commits) throws IOException {
        try {
            if (!commits.await(60, TimeUnit.SECONDS)) {
                throw new IOException("no commits went on while the snapshot was written");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Adds changes to a batch; may throw what a backend's commit throws. */
    @FunctionalInterface
    protected interface Changes {
        void addTo(WriteBatch batch) throws IOException;
    }

    protected void commit(boolean durable, Changes changes) throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            changes.addTo(batch);
            backend.commit(batch, durable);
        }
    }

    /** Closes {@link #backend} and opens it again on the same files. */
    protected void reopen() throws IOException {
        backend.close();
        backend = null;
        backend = open(store());
    }

    /** Puts each key with itself as the value, in one batch. */
    protected void fill(Bucket bucket, String... keys) throws IOException {
        commit(false, batch -> {
            for (String key : keys) {
                batch.put(bucket, utf8(key), utf8(key));
            }
        });
    }

    /** {@code rounds} batches of {@code count} random values of {@code bytes} each, keys {@code rNN-NNNNN}. */
    protected void writeRandom(int rounds, int count, int bytes) throws IOException {
        Random random = new Random(rounds * 31L + count);
        for (int round = 0; round < rounds; round++) {
            int r = round;
            commit(false, batch -> {
                for (int i = 0; i < count; i++) {
                    byte[] value = new byte[bytes];
                    random.nextBytes(value);
                    batch.put(KEY, utf8(String.format("r%02d-%05d", r, i)), value);
                }
            });
        }
    }

    protected String read(Bucket bucket, String key) {
        try (ReadView view = backend.readView()) {
            return view.get(bucket, utf8(key)).map(BackendTck::text).orElse(null);
        }
    }

    /** Every key of a bucket of {@link #backend}, as text. */
    protected List<String> keys(Bucket bucket) {
        return keys(backend, bucket);
    }

    protected static List<String> keys(Backend of, Bucket bucket) {
        return text(everyKey(of, bucket));
    }

    protected static List<byte[]> everyKey(Backend of, Bucket bucket) {
        try (ReadView view = of.readView()) {
            return keys(view, bucket, bytes(), null, false, 0);
        }
    }

    protected static List<byte[]> keys(ReadView view, Bucket bucket, String from, String to, boolean reverse,
            long limit) {
        return keys(view, bucket, utf8(from), to == null ? null : utf8(to), reverse, limit);
    }

    protected static List<byte[]> keys(ReadView view, Bucket bucket, byte[] from, byte[] to, boolean reverse,
            long limit) {
        List<byte[]> keys = new ArrayList<>();
        view.scan(bucket, from, to, reverse, limit, (key, value) -> keys.add(key));
        return keys;
    }

    protected static byte[] snapshot(Backend of) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        of.snapshot(out);
        return out.toByteArray();
    }

    protected static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    protected static byte[] utf8(String text) {
        return text.getBytes(UTF_8);
    }

    protected static String text(byte[] bytes) {
        return new String(bytes, UTF_8);
    }

    protected static List<String> text(List<byte[]> arrays) {
        return arrays.stream().map(BackendTck::text).toList();
    }

    protected static String hex(byte[] bytes) {
        return "0x" + HexFormat.of().formatHex(bytes);
    }

    protected static List<String> hex(List<byte[]> arrays) {
        return arrays.stream().map(BackendTck::hex).toList();
    }

    protected static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    protected static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
