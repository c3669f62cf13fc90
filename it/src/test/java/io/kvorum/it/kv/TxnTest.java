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
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Txn through jetcd: compares, the two branches, their responses, revisions and nesting. */
class TxnTest extends PrefixedKeys {
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

    private String value(String name) {
        List<KeyValue> kvs = await(kv.get(key(name))).getKvs();
        return kvs.isEmpty() ? null : string(kvs.get(0).getValue());
    }

    private Op putOp(String name, String value) {
        return Op.put(key(name), bytes(value), PutOption.DEFAULT);
    }

    private Op getOp(String name) {
        return Op.get(key(name), GetOption.DEFAULT);
    }

    @Test
    void whenEveryCompareHoldsTheSuccessBranchRunsAndAnswersInOrder() {
        long created = put("k", "v1");
        put("other", "x");

        TxnResponse response = await(kv.txn()
                .If(new Cmp(key("k"), Cmp.Op.EQUAL, CmpTarget.value(bytes("v1"))),
                        new Cmp(key("k"), Cmp.Op.EQUAL, CmpTarget.createRevision(created)))
                .Then(putOp("k", "then"), getOp("other"), Op.delete(key("other"), DeleteOption.DEFAULT))
                .Else(putOp("k", "else"))
                .commit());

        assertTrue(response.isSucceeded());
        assertEquals(1, response.getPutResponses().size());
        assertEquals(1, response.getGetResponses().size());
        assertEquals("x", string(response.getGetResponses().get(0).getKvs().get(0).getValue()));
        assertEquals(1, response.getDeleteResponses().get(0).getDeleted());
        assertEquals("then", value("k"));
        assertEquals(null, value("other"));
    }

    @Test
    void whenAnyCompareFailsTheFailureBranchRuns() {
        put("k", "v1");

        TxnResponse response = await(kv.txn()
                .If(new Cmp(key("k"), Cmp.Op.EQUAL, CmpTarget.value(bytes("v1"))),
                        new Cmp(key("k"), Cmp.Op.GREATER, CmpTarget.version(5)))
                .Then(putOp("k", "then"))
                .Else(putOp("k", "else"), getOp("k"))
                .commit());

        assertFalse(response.isSucceeded());
        assertEquals("else", string(response.getGetResponses().get(0).getKvs().get(0).getValue()),
                "a read after a write in the same txn sees the write");
        assertEquals("else", value("k"));
    }

    /** Compares against k after two puts: version 2, create revision r[0], mod revision r[1], value "v2". */
    static Stream<Arguments> compares() {
        return Stream.of(
                compare("version = 2", Cmp.Op.EQUAL, r -> CmpTarget.version(2), true),
                compare("version = 1", Cmp.Op.EQUAL, r -> CmpTarget.version(1), false),
                compare("version > 1", Cmp.Op.GREATER, r -> CmpTarget.version(1), true),
                compare("version > 2", Cmp.Op.GREATER, r -> CmpTarget.version(2), false),
                compare("version < 3", Cmp.Op.LESS, r -> CmpTarget.version(3), true),
                compare("version < 2", Cmp.Op.LESS, r -> CmpTarget.version(2), false),
                compare("version != 1", Cmp.Op.NOT_EQUAL, r -> CmpTarget.version(1), true),
                compare("version != 2", Cmp.Op.NOT_EQUAL, r -> CmpTarget.version(2), false),
                compare("create = c", Cmp.Op.EQUAL, r -> CmpTarget.createRevision(r[0]), true),
                compare("create = m", Cmp.Op.EQUAL, r -> CmpTarget.createRevision(r[1]), false),
                compare("create < m", Cmp.Op.LESS, r -> CmpTarget.createRevision(r[1]), true),
                compare("create > c", Cmp.Op.GREATER, r -> CmpTarget.createRevision(r[0]), false),
                compare("create != m", Cmp.Op.NOT_EQUAL, r -> CmpTarget.createRevision(r[1]), true),
                compare("mod = m", Cmp.Op.EQUAL, r -> CmpTarget.modRevision(r[1]), true),
                compare("mod = c", Cmp.Op.EQUAL, r -> CmpTarget.modRevision(r[0]), false),
                compare("mod > c", Cmp.Op.GREATER, r -> CmpTarget.modRevision(r[0]), true),
                compare("mod < m", Cmp.Op.LESS, r -> CmpTarget.modRevision(r[1]), false),
                compare("mod != c", Cmp.Op.NOT_EQUAL, r -> CmpTarget.modRevision(r[0]), true),
                compare("value = v2", Cmp.Op.EQUAL, r -> CmpTarget.value(bytes("v2")), true),
                compare("value = v1", Cmp.Op.EQUAL, r -> CmpTarget.value(bytes("v1")), false),
                compare("value > v1", Cmp.Op.GREATER, r -> CmpTarget.value(bytes("v1")), true),
                compare("value > v3", Cmp.Op.GREATER, r -> CmpTarget.value(bytes("v3")), false),
                compare("value < v3", Cmp.Op.LESS, r -> CmpTarget.value(bytes("v3")), true),
                compare("value < v2", Cmp.Op.LESS, r -> CmpTarget.value(bytes("v2")), false),
                compare("value != v1", Cmp.Op.NOT_EQUAL, r -> CmpTarget.value(bytes("v1")), true),
                compare("value != v2", Cmp.Op.NOT_EQUAL, r -> CmpTarget.value(bytes("v2")), false),
                // byte-wise, not numeric: "v10" < "v2"
                compare("value > v10", Cmp.Op.GREATER, r -> CmpTarget.value(bytes("v10")), true));
    }

    private static Arguments compare(String name, Cmp.Op op, Function<long[], CmpTarget<?>> target, boolean holds) {
        return Arguments.of(name, op, target, holds);
    }

    @ParameterizedTest(name = "{0} is {3}")
    @MethodSource("compares")
    void comparesOnVersionCreateModAndValue(String name, Cmp.Op op, Function<long[], CmpTarget<?>> target,
            boolean holds) {
        long created = put("k", "v1");
        long modified = put("k", "v2");

        TxnResponse response = await(kv.txn()
                .If(new Cmp(key("k"), op, target.apply(new long[] {created, modified})))
                .Then(putOp("branch", "success"))
                .Else(putOp("branch", "failure"))
                .commit());

        assertEquals(holds, response.isSucceeded());
        assertEquals(holds ? "success" : "failure", value("branch"));
    }

    @Test
    void onAMissingKeyValueComparesAreFalseAndTheOthersCompareWithZero() {
        TxnResponse valueNotEqual = await(kv.txn()
                .If(new Cmp(key("missing"), Cmp.Op.NOT_EQUAL, CmpTarget.value(bytes("x")))).commit());
        TxnResponse versionZero = await(kv.txn()
                .If(new Cmp(key("missing"), Cmp.Op.EQUAL, CmpTarget.version(0)),
                        new Cmp(key("missing"), Cmp.Op.EQUAL, CmpTarget.createRevision(0)),
                        new Cmp(key("missing"), Cmp.Op.LESS, CmpTarget.modRevision(1))).commit());

        assertFalse(valueNotEqual.isSucceeded(), "a value compare on a missing key is false, even !=");
        assertTrue(versionZero.isSucceeded());
    }

    @Test
    void createIfAbsentSucceedsOnceOnly() {
        Cmp absent = new Cmp(key("lock"), Cmp.Op.EQUAL, CmpTarget.createRevision(0));

        TxnResponse first = await(kv.txn().If(absent).Then(putOp("lock", "me")).Else(getOp("lock")).commit());
        TxnResponse second = await(kv.txn().If(absent).Then(putOp("lock", "you")).Else(getOp("lock")).commit());

        assertTrue(first.isSucceeded());
        assertFalse(second.isSucceeded());
        assertEquals("me", string(second.getGetResponses().get(0).getKvs().get(0).getValue()));
    }

    @Test
    void allWritesOfATxnShareOneNewRevision() {
        long before = put("seed", "x");

        TxnResponse response = await(kv.txn()
                .Then(putOp("a", "1"), putOp("b", "2"), Op.delete(key("seed"), DeleteOption.DEFAULT), getOp("a"))
                .commit());

        long revision = response.getHeader().getRevision();
        assertEquals(before + 1, revision);
        assertEquals(revision, response.getPutResponses().get(0).getHeader().getRevision());
        assertEquals(revision, response.getPutResponses().get(1).getHeader().getRevision());
        KeyValue a = response.getGetResponses().get(0).getKvs().get(0);
        assertEquals(revision, a.getModRevision(), "the read sees the txn's own write");
        assertEquals(revision, await(kv.get(key("b"))).getKvs().get(0).getModRevision());
    }

    @Test
    void nestedTxnRunsItsOwnBranchInsideTheOuterOne() {
        put("outer", "yes");
        put("inner", "no");
        Op nested = Op.txn(
                new Cmp[] {new Cmp(key("inner"), Cmp.Op.EQUAL, CmpTarget.value(bytes("yes")))},
                new Op[] {putOp("result", "inner-success")},
                new Op[] {putOp("result", "inner-failure"), getOp("outer")});

        TxnResponse response = await(kv.txn()
                .If(new Cmp(key("outer"), Cmp.Op.EQUAL, CmpTarget.value(bytes("yes"))))
                .Then(nested, putOp("also", "outer-success"))
                .Else(putOp("result", "outer-failure"))
                .commit());

        assertTrue(response.isSucceeded());
        assertEquals(1, response.getTxnResponses().size());
        TxnResponse inner = response.getTxnResponses().get(0);
        assertFalse(inner.isSucceeded());
        assertEquals(1, inner.getPutResponses().size());
        assertEquals("yes", string(inner.getGetResponses().get(0).getKvs().get(0).getValue()));
        assertEquals("inner-failure", value("result"));
        assertEquals("outer-success", value("also"));
        long revision = response.getHeader().getRevision();
        assertEquals(revision, await(kv.get(key("result"))).getKvs().get(0).getModRevision(),
                "nested writes share the outer txn's revision");
        assertEquals(revision, await(kv.get(key("also"))).getKvs().get(0).getModRevision());
    }

    @Test
    void theSameKeyMayBePutInBothBranchesOfANestedTxn() {
        Op nested = Op.txn(
                new Cmp[] {new Cmp(key("k"), Cmp.Op.EQUAL, CmpTarget.version(0))},
                new Op[] {putOp("k", "created")},
                new Op[] {putOp("k", "updated")});

        TxnResponse first = await(kv.txn().Then(nested).commit());
        TxnResponse second = await(kv.txn().Then(nested).commit());

        assertTrue(first.getTxnResponses().get(0).isSucceeded());
        assertFalse(second.getTxnResponses().get(0).isSucceeded());
        assertEquals("updated", value("k"));
    }

    @Test
    void overlappingDeletesInOneTxnAreAllowed() {
        put("p/a", "1");
        put("p/b", "2");

        TxnResponse response = await(kv.txn().Then(
                Op.delete(key("p/"), DeleteOption.builder().isPrefix(true).build()),
                Op.delete(key("p/a"), DeleteOption.DEFAULT)).commit());

        assertTrue(response.isSucceeded());
        assertEquals(2, response.getDeleteResponses().get(0).getDeleted());
        assertEquals(0, response.getDeleteResponses().get(1).getDeleted(), "already deleted by the first op");
        assertEquals(List.of(), keys(await(kv.get(key("p/"), GetOption.builder().isPrefix(true).build())).getKvs()));
    }
}
