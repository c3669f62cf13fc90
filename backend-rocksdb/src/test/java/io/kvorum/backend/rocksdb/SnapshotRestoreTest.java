package io.kvorum.backend.rocksdb;

import static io.kvorum.backend.rocksdb.TestBackends.KEY;
import static io.kvorum.backend.rocksdb.TestBackends.META;
import static io.kvorum.backend.rocksdb.TestBackends.allKeys;
import static io.kvorum.backend.rocksdb.TestBackends.bytes;
import static io.kvorum.backend.rocksdb.TestBackends.get;
import static io.kvorum.backend.rocksdb.TestBackends.put;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotRestoreTest {
    @TempDir
    Path sourceDirectory;
    @TempDir
    Path targetDirectory;

    private Backend source;
    private Backend target;

    @BeforeEach
    void open() throws Exception {
        source = TestBackends.open(sourceDirectory, KEY, META, Bucket.LEASE);
        target = TestBackends.open(targetDirectory, KEY, META);
    }

    @AfterEach
    void close() throws Exception {
        source.close();
        target.close();
    }

    private static byte[] snapshotOf(Backend backend) throws IOException {
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        backend.snapshot(image);
        return image.toByteArray();
    }

    @Test
    void restoreReproducesEveryBucketOfTheSnapshot() throws Exception {
        Random random = new Random(7);
        byte[][] values = new byte[3000][];
        try (WriteBatch batch = source.newBatch()) {
            for (int i = 0; i < values.length; i++) {
                // 3000 x 3 KiB: more than one restore batch
                values[i] = new byte[3072];
                random.nextBytes(values[i]);
                batch.put(KEY, bytes(0x00, i >> 8, i & 0xff), values[i]);
            }
            batch.put(META, bytes("consistent_index"), bytes("42"));
            batch.put(META, bytes("empty value"), new byte[0]);
            source.commit(batch, false);
        }

        target.restore(new ByteArrayInputStream(snapshotOf(source)));

        try (ReadView view = target.readView()) {
            for (int i = 0; i < values.length; i++) {
                assertArrayEquals(values[i], view.get(KEY, bytes(0x00, i >> 8, i & 0xff)).orElseThrow());
            }
            assertEquals("42", get(view, META, "consistent_index"));
            assertArrayEquals(new byte[0], view.get(META, bytes("empty value")).orElseThrow());
        }
        assertEquals(values.length, allKeys(target, KEY).size());
        assertArrayEquals(snapshotOf(source), snapshotOf(target), "the same contents give the same image");
    }

    @Test
    void restoreReplacesTheContentsWhole() throws Exception {
        put(source, KEY, "from-source", "1");
        put(target, KEY, "only-in-target", "old");
        put(target, Bucket.ALARM, "alarm", "NOSPACE");

        target.restore(new ByteArrayInputStream(snapshotOf(source)));

        assertEquals(List.of("from-source"), allKeys(target, KEY));
        assertEquals(List.of(), allKeys(target, Bucket.ALARM), "a bucket absent from the image is empty");
        put(target, Bucket.ALARM, "alarm", "again");
        assertEquals("again", get(target, Bucket.ALARM, "alarm"));
    }

    @Test
    void corruptedImageIsRefusedAndTheContentsStayAsTheyWere() throws Exception {
        put(source, KEY, "from-source", "a value only the checksum guards");
        put(target, KEY, "in-target", "old");
        byte[] image = snapshotOf(source);

        // a bit flipped inside a value leaves the image well-formed: only the checksum can tell
        byte[] flipped = image.clone();
        flipped[indexOf(image, bytes("only the checksum"))] ^= 0x01;
        byte[] truncated = Arrays.copyOf(image, image.length - 3);
        byte[] foreign = image.clone();
        foreign[0] = 'X';

        for (byte[] damaged : List.of(flipped, truncated, foreign)) {
            IOException refused = assertThrows(IOException.class,
                    () -> target.restore(new ByteArrayInputStream(damaged)));
            assertTrue(refused.getMessage().contains("corrupt snapshot image"), refused.getMessage());
        }

        assertEquals(List.of("in-target"), allKeys(target, KEY));
        assertNull(get(target, KEY, "from-source"));
        target.restore(new ByteArrayInputStream(image));
        assertEquals(List.of("from-source"), allKeys(target, KEY));
    }

    private static int indexOf(byte[] image, byte[] part) {
        for (int i = 0; i + part.length <= image.length; i++) {
            if (Arrays.equals(image, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not in the image");
    }

    @Test
    void viewOpenedBeforeARestoreKeepsSeeingTheOldContents() throws Exception {
        put(source, KEY, "a", "new");
        put(target, KEY, "a", "old");
        try (ReadView before = target.readView()) {
            target.restore(new ByteArrayInputStream(snapshotOf(source)));

            assertEquals("old", get(before, KEY, "a"));
            assertEquals(List.of("a"), TestBackends.scanKeys(before, KEY, "", null, true, 0));
            assertEquals("new", get(target, KEY, "a"));
        }
    }

    @Test
    void restoredContentsSurviveReopenAndFurtherRestores() throws Exception {
        put(source, KEY, "a", "1");
        byte[] first = snapshotOf(source);
        put(source, KEY, "b", "2");
        byte[] second = snapshotOf(source);

        target.restore(new ByteArrayInputStream(first));
        target.restore(new ByteArrayInputStream(second));
        target.restore(new ByteArrayInputStream(first));
        target.close();

        target = TestBackends.open(targetDirectory, KEY, META);
        assertEquals(List.of("a"), allKeys(target, KEY));
        put(target, KEY, "c", "3");
        assertEquals(List.of("a", "c"), allKeys(target, KEY));
    }

    @Test
    void batchStartedBeforeARestoreCannotCommitAfterIt() throws Exception {
        put(source, KEY, "a", "1");
        try (WriteBatch stale = target.newBatch()) {
            stale.put(KEY, bytes("lost"), bytes("x"));
            target.restore(new ByteArrayInputStream(snapshotOf(source)));

            assertThrows(IllegalStateException.class, () -> target.commit(stale, false));
        }
        assertEquals(List.of("a"), allKeys(target, KEY));
    }

    @Test
    void snapshotIsOnePointInTimeAcrossBuckets() throws Exception {
        try (WriteBatch batch = source.newBatch()) {
            // enough that the image reaches the stream while the key bucket is still being read
            for (int i = 0; i < 200; i++) {
                batch.put(KEY, bytes(String.format("rev1-%03d", i)), new byte[2048]);
            }
            batch.put(META, bytes("consistent_index"), bytes("1"));
            source.commit(batch, false);
        }
        ByteArrayOutputStream image = new ByteArrayOutputStream() {
            private boolean wroteMore;

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (!wroteMore) {
                    // a commit in the middle of writing the image must not show in it
                    wroteMore = true;
                    try {
                        put(source, KEY, "rev1-999", "y");
                        put(source, META, "consistent_index", "2");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
        source.snapshot(image);

        target.restore(new ByteArrayInputStream(image.toByteArray()));
        assertEquals(200, allKeys(target, KEY).size());
        assertNull(get(target, KEY, "rev1-999"));
        assertEquals("1", get(target, META, "consistent_index"));
        assertEquals("2", get(source, META, "consistent_index"));
    }
}
