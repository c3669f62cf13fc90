package io.kvorum.it.kv;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.failure;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.GetOption;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compaction through jetcd. Each test compacts the store its own server-wide way, so the class
 * keeps its tests independent by always compacting at a revision it has just created.
 */
class CompactionTest {
    private static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    private static final String FUTURE = "etcdserver: mvcc: required revision is a future revision";

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;

    @BeforeAll
    static void connect() {
        kv = Jetcd.client(server).getKVClient();
    }

    private long put(String key, String value) {
        return await(kv.put(bytes(key), bytes(value))).getHeader().getRevision();
    }

    private GetOption at(long revision) {
        return GetOption.builder().withRevision(revision).build();
    }

    @Test
    void readingBelowTheCompactionPointFailsWithTheCompactedMessage() {
        long first = put("compact/k", "v1");
        long second = put("compact/k", "v2");
        long third = put("compact/k", "v3");

        await(kv.compact(second));

        Throwable below = failure(kv.get(bytes("compact/k"), at(first)));
        GetResponse atPoint = await(kv.get(bytes("compact/k"), at(second)));
        GetResponse above = await(kv.get(bytes("compact/k"), at(third)));
        assertTrue(String.valueOf(below.getMessage()).contains(COMPACTED), "got: " + below);
        assertEquals("v2", string(atPoint.getKvs().get(0).getValue()), "the compaction revision itself stays readable");
        assertEquals("v3", string(above.getKvs().get(0).getValue()));
    }

    @Test
    void physicalCompactionReturnsOnceDoneAndKeepsTheLatestValues() {
        put("physical/a", "1");
        long deletedAt = await(kv.delete(bytes("physical/a"))).getHeader().getRevision();
        long b = put("physical/b", "2");

        await(kv.compact(b, CompactOption.builder().withCompactPhysical(true).build()));

        assertEquals("2", string(await(kv.get(bytes("physical/b"))).getKvs().get(0).getValue()));
        assertTrue(await(kv.get(bytes("physical/a"))).getKvs().isEmpty());
        Throwable gone = failure(kv.get(bytes("physical/a"), at(deletedAt - 1)));
        assertTrue(String.valueOf(gone.getMessage()).contains(COMPACTED), "got: " + gone);
    }

    @Test
    void compactingAtOrBelowTheCompactionPointAgainFails() {
        long r = put("again/k", "v");
        await(kv.compact(r));

        Throwable same = failure(kv.compact(r));
        Throwable lower = failure(kv.compact(r - 1));

        assertTrue(String.valueOf(same.getMessage()).contains(COMPACTED), "got: " + same);
        assertTrue(String.valueOf(lower.getMessage()).contains(COMPACTED), "got: " + lower);
    }

    @Test
    void compactingBeyondTheCurrentRevisionFails() {
        long r = put("future/k", "v");

        Throwable future = failure(kv.compact(r + 1));

        assertTrue(String.valueOf(future.getMessage()).contains(FUTURE), "got: " + future);
        assertEquals(r, await(kv.get(bytes("future/k"))).getHeader().getRevision(), "nothing changed");
    }

    @Test
    void readingAFutureRevisionFails() {
        long r = put("future-read/k", "v");

        Throwable future = failure(kv.get(bytes("future-read/k"), at(r + 1)));

        assertTrue(String.valueOf(future.getMessage()).contains(FUTURE), "got: " + future);
    }
}
