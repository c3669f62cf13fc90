package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A member that fell behind becomes another member's state from its snapshot, and goes on from there. */
class ApplierSnapshotTest {

    private static Applier applier() {
        return new Applier(MvccStore.open(new InMemoryBackend()), Runnable::run, new Lessor(2, System::nanoTime));
    }

    private static Entry put(long index, String key, String value) {
        byte[] data = InternalRaftRequest.newBuilder().setID(index)
                .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)))
                .build().toByteArray();
        return new Entry(index, 3, data);
    }

    private static List<KeyValue> get(Applier a, String key) {
        return a.store().range(key.getBytes(), new byte[0], 0, 0).kvs();
    }

    @Test
    void aRestoredSnapshotReplacesTheStateAndTheAppliedIndex() throws Exception {
        Applier leader = applier();
        leader.apply(List.of(put(1, "a", "1"), put(2, "b", "2"), put(3, "a", "3")), true);
        ByteArrayOutputStream image = new ByteArrayOutputStream();
        leader.writeSnapshot(image);

        Applier behind = applier();
        behind.apply(List.of(put(1, "stale", "x")), true);
        behind.restoreSnapshot(new ByteArrayInputStream(image.toByteArray()));

        assertEquals(3, behind.appliedIndex());
        assertEquals(3, behind.appliedTerm());
        assertEquals(4, behind.store().currentRevision());
        assertEquals(ByteString.copyFromUtf8("3"), get(behind, "a").get(0).getValue());
        assertEquals(2, get(behind, "a").get(0).getVersion());
        assertTrue(get(behind, "stale").isEmpty(), "what the image does not hold is gone");
        assertEquals(ByteString.copyFromUtf8("1"),
                behind.store().range("a".getBytes(), new byte[0], 2, 0).kvs().get(0).getValue(), "history comes along");

        behind.apply(List.of(put(4, "c", "4")), true);
        assertEquals(4, behind.appliedIndex());
        assertEquals(5, get(behind, "c").get(0).getModRevision(), "revisions go on from the image's");
    }
}
