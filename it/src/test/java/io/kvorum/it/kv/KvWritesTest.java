package io.kvorum.it.kv;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.keys;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Put and DeleteRange through jetcd, and how every write moves the store's revision. */
class KvWritesTest extends PrefixedKeys {
    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;

    @BeforeAll
    static void connect() {
        kv = Jetcd.client(server).getKVClient();
    }

    @Override
    protected KV kv() {
        return kv;
    }

    private long currentRevision() {
        return await(kv.get(key("no-such-key"))).getHeader().getRevision();
    }

    private List<String> remaining() {
        return keys(await(kv.get(key(""), GetOption.builder().isPrefix(true).build())).getKvs()).stream()
                .map(k -> k.substring(prefix.length())).toList();
    }

    @Test
    void putReturnsTheNewRevisionAndThePreviousPairOnlyWhenAsked() {
        long before = currentRevision();

        PutResponse first = await(kv.put(key("k"), bytes("v1"), PutOption.builder().withPrevKV().build()));
        PutResponse second = await(kv.put(key("k"), bytes("v2"), PutOption.builder().withPrevKV().build()));
        PutResponse third = await(kv.put(key("k"), bytes("v3")));

        assertEquals(before + 1, first.getHeader().getRevision());
        assertFalse(first.hasPrevKv(), "no previous pair for a new key");
        assertEquals(before + 2, second.getHeader().getRevision());
        assertTrue(second.hasPrevKv());
        KeyValue prev = second.getPrevKv();
        assertEquals("v1", string(prev.getValue()));
        assertEquals(before + 1, prev.getCreateRevision());
        assertEquals(before + 1, prev.getModRevision());
        assertEquals(1, prev.getVersion());
        assertFalse(third.hasPrevKv(), "prev_kv not requested");
    }

    @Test
    void everyWriteBumpsTheRevisionByExactlyOne() {
        long start = currentRevision();

        long put1 = put("a", "1");
        long put2 = put("b", "2");
        long overwrite = put("a", "3");
        long delete = await(kv.delete(key("b"))).getHeader().getRevision();
        long txn = await(kv.txn().Then(
                Op.put(key("c"), bytes("4"), PutOption.DEFAULT),
                Op.put(key("d"), bytes("5"), PutOption.DEFAULT),
                Op.delete(key("a"), DeleteOption.DEFAULT)).commit()).getHeader().getRevision();

        assertEquals(List.of(start + 1, start + 2, start + 3, start + 4, start + 5),
                List.of(put1, put2, overwrite, delete, txn));
        GetResponse c = await(kv.get(key("c")));
        GetResponse d = await(kv.get(key("d")));
        assertEquals(txn, c.getKvs().get(0).getModRevision(), "all writes of a txn share its revision");
        assertEquals(txn, d.getKvs().get(0).getModRevision());
    }

    @Test
    void writesThatChangeNothingKeepTheRevision() {
        put("k", "v");
        long start = currentRevision();

        DeleteResponse noMatch = await(kv.delete(key("missing")));
        long readOnlyTxn = await(kv.txn().Then(Op.get(key("k"), GetOption.DEFAULT)).commit()).getHeader().getRevision();
        long failedTxn = await(kv.txn()
                .If(new Cmp(key("k"), Cmp.Op.EQUAL, CmpTarget.value(bytes("other"))))
                .Then(Op.put(key("k"), bytes("changed"), PutOption.DEFAULT))
                .commit()).getHeader().getRevision();
        long emptyTxn = await(kv.txn().commit()).getHeader().getRevision();

        assertEquals(0, noMatch.getDeleted());
        assertEquals(start, noMatch.getHeader().getRevision());
        assertEquals(start, readOnlyTxn);
        assertEquals(start, failedTxn);
        assertEquals(start, emptyTxn);
        assertEquals(start, currentRevision());
    }

    @Test
    void deleteWithPrevKvReturnsTheDeletedPairs() {
        long created = put("k", "v1");
        long modified = put("k", "v2");

        DeleteResponse response = await(kv.delete(key("k"), DeleteOption.builder().withPrevKV(true).build()));

        assertEquals(1, response.getDeleted());
        assertEquals(modified + 1, response.getHeader().getRevision());
        KeyValue prev = response.getPrevKvs().get(0);
        assertEquals(prefix + "k", string(prev.getKey()));
        assertEquals("v2", string(prev.getValue()));
        assertEquals(created, prev.getCreateRevision());
        assertEquals(modified, prev.getModRevision());
        assertEquals(2, prev.getVersion());
        assertTrue(await(kv.get(key("k"))).getKvs().isEmpty());
    }

    @Test
    void deleteWithoutPrevKvOnlyCounts() {
        put("k", "v");

        DeleteResponse response = await(kv.delete(key("k")));

        assertEquals(1, response.getDeleted());
        assertTrue(response.getPrevKvs().isEmpty());
    }

    @Test
    void prefixDeleteRemovesOnlyKeysUnderThePrefix() {
        put("p/a", "1");
        put("p/b", "2");
        put("p0", "outside");
        put("o", "outside");
        long before = currentRevision();

        DeleteResponse response = await(kv.delete(key("p/"),
                DeleteOption.builder().isPrefix(true).withPrevKV(true).build()));

        assertEquals(2, response.getDeleted());
        assertEquals(List.of(prefix + "p/a", prefix + "p/b"), keys(response.getPrevKvs()));
        assertEquals(before + 1, response.getHeader().getRevision(), "one revision for the whole delete");
        assertEquals(List.of("o", "p0"), remaining());
    }

    @Test
    void rangeDeleteIsHalfOpen() {
        for (String name : List.of("a", "b", "c", "d")) {
            put(name, name);
        }

        DeleteResponse response = await(kv.delete(key("b"), DeleteOption.builder().withRange(key("d")).build()));

        assertEquals(2, response.getDeleted());
        assertEquals(List.of("a", "d"), remaining());
    }

    @Test
    void aKeyPutAgainAfterDeleteStartsANewGeneration() {
        put("k", "old");
        put("k", "old2");
        long deleted = await(kv.delete(key("k"))).getHeader().getRevision();

        long recreated = put("k", "new");

        KeyValue kv1 = await(kv.get(key("k"))).getKvs().get(0);
        assertEquals(recreated, kv1.getCreateRevision());
        assertEquals(recreated, kv1.getModRevision());
        assertEquals(1, kv1.getVersion());
        assertTrue(await(kv.get(key("k"), GetOption.builder().withRevision(deleted).build())).getKvs().isEmpty(),
                "the key is absent at the delete's revision");
    }
}
