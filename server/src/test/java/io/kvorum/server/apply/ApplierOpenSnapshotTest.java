package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.KeyValueHash;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.StateMachineSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A leader ships its state to a member that fell behind without holding back applying: the
 * snapshot is opened between two batches, written on another thread while batches go on being
 * applied, and restores exactly the state, and the applied index, of the moment it was opened.
 */
class ApplierOpenSnapshotTest {
    private static final int KEYS = 20_000;
    private static final long TERM = 4;

    private static Applier applier(InMemoryBackend backend) {
        return new Applier(MvccStore.open(backend), Runnable::run, new Lessor(2, System::nanoTime));
    }

    private static Entry put(long index, String key, String value) {
        return new Entry(index, TERM, InternalRaftRequest.newBuilder().setID(index)
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)))
                .build().toByteArray());
    }

    private static Entry delete(long index, String key) {
        return new Entry(index, TERM, InternalRaftRequest.newBuilder().setID(index)
                .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)))
                .build().toByteArray());
    }

    /** Batch {@code n} after the opening: rewrites a key, adds one, deletes one. */
    private static List<Entry> laterBatch(long firstIndex, int n) {
        return List.of(put(firstIndex, String.format("k%05d", n * 13 % KEYS), "rewritten " + n),
                put(firstIndex + 1, String.format("new%05d", n), "added"),
                delete(firstIndex + 2, String.format("k%05d", (n * 31 + 7) % KEYS)));
    }

    @Test
    @Timeout(120)
    void imageWrittenWhileBatchesApplyRestoresTheStateAndIndexOfItsOpening() throws Exception {
        Applier source = applier(new InMemoryBackend());
        long index = 0;
        for (int batch = 0; batch < KEYS / 1000; batch++) {
            List<Entry> entries = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                entries.add(put(++index, String.format("k%05d", batch * 1000 + i), "value " + index));
            }
            source.apply(entries, false);
        }
        source.apply(List.of(delete(++index, "k00000")), false);

        long revisionAtOpening = source.store().currentRevision();
        KeyValueHash keysAtOpening = source.store().hashKV(0);
        KeyValueHash allAtOpening = source.store().hashAll();
        StateMachineSnapshot opened = source.openSnapshot();
        assertEquals(index, opened.index());
        assertEquals(TERM, opened.term());

        // applying goes on before the writer gets the snapshot, and while it writes
        List<List<Entry>> applied = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            applied.add(laterBatch(index + 1, n));
            source.apply(applied.get(n), false);
            index += 3;
        }
        CountDownLatch appliedMeanwhile = new CountDownLatch(20);
        CompletableFuture<byte[]> written = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream image = new ByteArrayOutputStream();
            try (opened) {
                opened.writeTo(new WaitingStream(image, appliedMeanwhile));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return image.toByteArray();
        });
        for (int n = 5; n < 5_000 && (n < 25 || !written.isDone()); n++) {
            applied.add(laterBatch(index + 1, n));
            source.apply(applied.get(n), false);
            index += 3;
            appliedMeanwhile.countDown();
        }
        byte[] image = written.get(60, TimeUnit.SECONDS);
        assertTrue(source.appliedIndex() >= opened.index() + 25 * 3, "batches were applied meanwhile");
        assertNotEquals(keysAtOpening.hash(), source.store().hashKV(0).hash(), "and changed the keys");

        Applier behind = applier(new InMemoryBackend());
        behind.restoreSnapshot(new ByteArrayInputStream(image));
        assertEquals(opened.index(), behind.appliedIndex(), "the applied index of the opening, not a later one");
        assertEquals(TERM, behind.appliedTerm());
        assertEquals(revisionAtOpening, behind.store().currentRevision());
        assertEquals(keysAtOpening, behind.store().hashKV(0));
        assertEquals(source.store().hashKV(revisionAtOpening).hash(), behind.store().hashKV(0).hash());
        assertEquals(allAtOpening, behind.store().hashAll(), "every bucket as at the opening");

        // from there the log goes on: the same batches bring it to the source's state
        for (List<Entry> batch : applied) {
            behind.apply(batch, false);
        }
        assertEquals(source.appliedIndex(), behind.appliedIndex());
        assertEquals(source.store().hashKV(0), behind.store().hashKV(0));
        assertEquals(source.store().hashAll(), behind.store().hashAll());
    }

    @Test
    void closingTheSnapshotReleasesItAndItCannotBeWrittenAfterwards() throws Exception {
        InMemoryBackend backend = new InMemoryBackend();
        Applier member = applier(backend);
        member.apply(List.of(put(1, "a", "1")), false);
        StateMachineSnapshot opened = member.openSnapshot();
        assertEquals(1, backend.openSnapshots());
        opened.close();
        opened.close();
        assertEquals(0, backend.openSnapshots());
        assertThrows(IllegalStateException.class, () -> opened.writeTo(OutputStream.nullOutputStream()));
    }

    /** Holds the first bytes of the image back until enough batches were applied beside it. */
    private static final class WaitingStream extends FilterOutputStream {
        private final CountDownLatch applied;

        WaitingStream(OutputStream out, CountDownLatch applied) {
            super(out);
            this.applied = applied;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            awaitApplied();
            out.write(b, off, len);
        }

        @Override
        public void write(int b) throws IOException {
            awaitApplied();
            out.write(b);
        }

        private void awaitApplied() throws IOException {
            try {
                if (!applied.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("no batches were applied while the image was written");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
