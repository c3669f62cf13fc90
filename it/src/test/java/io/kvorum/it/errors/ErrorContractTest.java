package io.kvorum.it.errors;

import static io.kvorum.it.errors.Rejections.assertRejected;
import static io.kvorum.it.errors.Requests.bytes;
import static io.kvorum.it.errors.Requests.delete;
import static io.kvorum.it.errors.Requests.op;
import static io.kvorum.it.errors.Requests.put;
import static io.kvorum.it.errors.Requests.puts;
import static io.kvorum.it.errors.Requests.range;
import static io.kvorum.it.errors.Requests.txn;
import static io.kvorum.it.errors.Requests.versionEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.kvorum.api.etcdserverpb.CompactionRequest;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerExtension;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each invalid KV request gets etcd's gRPC code and exact message (etcd 3.5 contract, §3 of the
 * reference; every one checked against a real etcd 3.4.23 too) and changes nothing: the store's
 * revision and contents are the same before and after.
 */
class ErrorContractTest {
    static final String EMPTY_KEY = "etcdserver: key is not provided";
    static final String TOO_LARGE = "etcdserver: request is too large";
    static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
    static final String FUTURE = "etcdserver: mvcc: required revision is a future revision";
    static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
    static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";
    static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
    static final String VALUE_PROVIDED = "etcdserver: value is provided";
    static final String LEASE_PROVIDED = "etcdserver: lease is provided";
    static final String KEY_NOT_FOUND = "etcdserver: key not found";

    /** etcd's default --max-request-bytes (1.5 MiB). */
    static final int DEFAULT_MAX_REQUEST_BYTES = 1_572_864;
    /** etcd's default --max-txn-ops. */
    static final int MAX_TXN_OPS = 128;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static RawEtcdClient client;
    /** The store is compacted at this revision; {@code compactedAt - 1} is history that is gone. */
    private static long compactedAt;

    @BeforeAll
    static void seed() {
        client = server.closeAfterAll(new RawEtcdClient(server.server()));
        client.kv().put(put("seed/a", "1").build());
        client.kv().put(put("seed/a", "2").build());
        compactedAt = client.kv().put(put("seed/b", "1").build()).getHeader().getRevision();
        client.kv().put(put("seed/c", "1").build());
        client.kv().compact(CompactionRequest.newBuilder().setRevision(compactedAt).setPhysical(true).build());
    }

    private static long currentRevision() {
        return StoreState.of(client).revision();
    }

    // --- empty key -------------------------------------------------------------------------

    static Stream<Arguments> requestsWithAnEmptyKey() {
        return Stream.of(
                Arguments.of("Range", (Runnable) () -> client.kv().range(range("").build())),
                Arguments.of("Range with range_end", (Runnable) () -> client.kv().range(range("").setRangeEnd(bytes("z")).build())),
                Arguments.of("Put", (Runnable) () -> client.kv().put(put("", "v").build())),
                Arguments.of("DeleteRange", (Runnable) () -> client.kv().deleteRange(delete("").build())),
                Arguments.of("Txn compare", (Runnable) () -> client.kv().txn(txn(op(put("k", "v")))
                        .addCompare(versionEquals("", 0)).build())),
                Arguments.of("Txn put", (Runnable) () -> client.kv().txn(txn(op(put("", "v"))).build())),
                Arguments.of("Txn range", (Runnable) () -> client.kv().txn(txn(op(range(""))).build())),
                Arguments.of("Txn delete", (Runnable) () -> client.kv().txn(txn(op(delete(""))).build())),
                Arguments.of("Txn failure branch", (Runnable) () -> client.kv().txn(TxnRequest.newBuilder()
                        .addFailure(op(put("", "v"))).build())),
                Arguments.of("nested Txn", (Runnable) () -> client.kv().txn(txn(op(txn(op(put("", "v"))))).build())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsWithAnEmptyKey")
    void anEmptyKeyIsRejected(String request, Runnable call) {
        assertRejected(client, Code.INVALID_ARGUMENT, EMPTY_KEY, call);
    }

    // --- request size ----------------------------------------------------------------------

    @Test
    void aPutLargerThanTheDefaultMaxRequestBytesIsRejected() {
        ByteString value = ByteString.copyFrom(new byte[DEFAULT_MAX_REQUEST_BYTES]);

        assertRejected(client, Code.INVALID_ARGUMENT, TOO_LARGE,
                () -> client.kv().put(put("big", "").setValue(value).build()));
    }

    // --- revisions -------------------------------------------------------------------------

    @Test
    void readingACompactedRevisionIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, COMPACTED,
                () -> client.kv().range(range("seed/a").setRevision(compactedAt - 1).build()));
    }

    @Test
    void readingAFutureRevisionIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, FUTURE,
                () -> client.kv().range(range("seed/a").setRevision(currentRevision() + 1).build()));
    }

    @Test
    void aTxnReadingACompactedRevisionIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, COMPACTED, () -> client.kv().txn(
                txn(op(put("txn-compacted", "v")), op(range("seed/a").setRevision(compactedAt - 1))).build()));
    }

    @Test
    void aTxnReadingAFutureRevisionIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, FUTURE, () -> client.kv().txn(
                txn(op(put("txn-future", "v")), op(range("seed/a").setRevision(currentRevision() + 5))).build()));
    }

    @Test
    void compactingAFutureRevisionIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, FUTURE,
                () -> client.kv().compact(CompactionRequest.newBuilder().setRevision(currentRevision() + 1).build()));
    }

    @Test
    void compactingAtTheCompactionPointAgainIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, COMPACTED,
                () -> client.kv().compact(CompactionRequest.newBuilder().setRevision(compactedAt).build()));
    }

    @Test
    void compactingBelowTheCompactionPointIsOutOfRange() {
        assertRejected(client, Code.OUT_OF_RANGE, COMPACTED,
                () -> client.kv().compact(CompactionRequest.newBuilder().setRevision(compactedAt - 1).build()));
    }

    // --- txn size --------------------------------------------------------------------------

    @Test
    void aTxnWithMoreThan128OpsInABranchIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, TOO_MANY_OPS,
                () -> client.kv().txn(txn(puts("ops-success/", MAX_TXN_OPS + 1)).build()));
        assertRejected(client, Code.INVALID_ARGUMENT, TOO_MANY_OPS,
                () -> client.kv().txn(TxnRequest.newBuilder()
                        .addAllFailure(Arrays.asList(puts("ops-failure/", MAX_TXN_OPS + 1))).build()));
    }

    @Test
    void aTxnWithMoreThan128ComparesIsRejected() {
        TxnRequest.Builder txn = txn(op(put("cmp", "v")));
        for (int i = 0; i <= MAX_TXN_OPS; i++) {
            txn.addCompare(versionEquals("cmp/" + i, 0));
        }

        assertRejected(client, Code.INVALID_ARGUMENT, TOO_MANY_OPS, () -> client.kv().txn(txn.build()));
    }

    @Test
    void aTxnWith128OpsInEachBranchIsAccepted() {
        TxnRequest.Builder txn = txn(puts("ops-128/", MAX_TXN_OPS))
                .addAllFailure(Arrays.asList(puts("ops-128-failure/", MAX_TXN_OPS)));
        long before = currentRevision();

        TxnResponse response = client.kv().txn(txn.build());

        assertTrue(response.getSucceeded());
        assertEquals(MAX_TXN_OPS, response.getResponsesCount());
        assertEquals(before + 1, response.getHeader().getRevision());
    }

    /** The limit is per level, max(compares, success, failure); a nested txn gets what its parent left. */
    @Test
    void aNestedTxnMayOnlyUseTheOpsItsParentLeaves() {
        RequestOp[] outer = puts("nested-budget/outer/", 100);
        outer[99] = op(txn(puts("nested-budget/inner/", 29)));

        assertRejected(client, Code.INVALID_ARGUMENT, TOO_MANY_OPS, () -> client.kv().txn(txn(outer).build()));
    }

    @Test
    void aNestedTxnWithinItsParentsBudgetIsAccepted() {
        RequestOp[] outer = puts("nested-ok/outer/", 100);
        outer[99] = op(txn(puts("nested-ok/inner/", 28)));

        TxnResponse response = client.kv().txn(txn(outer).build());

        assertTrue(response.getSucceeded());
        assertEquals(28, response.getResponses(99).getResponseTxn().getResponsesCount());
    }

    // --- duplicate keys --------------------------------------------------------------------

    static Stream<Arguments> branchesWritingAKeyTwice() {
        return Stream.of(
                Arguments.of("put and put", new RequestOp[] {op(put("dup/k", "1")), op(put("dup/k", "2"))}),
                Arguments.of("delete range then put inside it",
                        new RequestOp[] {op(delete("dup/", "dup0")), op(put("dup/k", "1"))}),
                Arguments.of("put then delete range over it",
                        new RequestOp[] {op(put("dup/k", "1")), op(delete("dup/", "dup0"))}),
                Arguments.of("put then delete of the same key",
                        new RequestOp[] {op(put("dup/k", "1")), op(delete("dup/k"))}),
                Arguments.of("put and put in a nested txn",
                        new RequestOp[] {op(put("dup/k", "1")), op(txn(op(put("dup/k", "2"))))}),
                Arguments.of("delete in a nested txn and put",
                        new RequestOp[] {op(txn(op(delete("dup/", "dup0")))), op(put("dup/k", "2"))}),
                Arguments.of("puts in two nested txns",
                        new RequestOp[] {op(txn(op(put("dup/k", "1")))), op(txn(op(put("dup/k", "2"))))}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("branchesWritingAKeyTwice")
    void aTxnBranchWritingAKeyTwiceIsRejected(String name, RequestOp[] ops) {
        assertRejected(client, Code.INVALID_ARGUMENT, DUPLICATE_KEY, () -> client.kv().txn(txn(ops).build()));
        assertRejected(client, Code.INVALID_ARGUMENT, DUPLICATE_KEY,
                () -> client.kv().txn(TxnRequest.newBuilder().addAllFailure(Arrays.asList(ops)).build()));
    }

    @Test
    void overlappingDeletesAndReadsOfOneKeyAreNotDuplicates() {
        client.kv().put(put("overlap/k", "v").build());
        long before = currentRevision();

        TxnResponse response = client.kv().txn(txn(
                op(delete("overlap/", "overlap0")), op(delete("overlap/k")),
                op(range("overlap/k")), op(range("overlap/k"))).build());

        assertTrue(response.getSucceeded());
        assertEquals(1, response.getResponses(0).getResponseDeleteRange().getDeleted());
        assertEquals(before + 1, response.getHeader().getRevision());
    }

    @Test
    void theSameKeyInTheSuccessAndFailureBranchesIsNotADuplicate() {
        TxnResponse response = client.kv().txn(txn(op(put("branches/k", "success")))
                .addFailure(op(put("branches/k", "failure"))).build());

        assertTrue(response.getSucceeded());
    }

    // --- leases ----------------------------------------------------------------------------

    @Test
    void aPutWithALeaseThatDoesNotExistIsNotFound() {
        assertRejected(client, Code.NOT_FOUND, LEASE_NOT_FOUND,
                () -> client.kv().put(put("leased", "v").setLease(0x1234abcdL).build()));
    }

    @Test
    void aTxnPutWithALeaseThatDoesNotExistIsNotFound() {
        assertRejected(client, Code.NOT_FOUND, LEASE_NOT_FOUND,
                () -> client.kv().txn(txn(op(put("txn-plain", "v")), op(put("txn-leased", "v").setLease(0x1234abcdL))).build()));
    }

    // --- ignore_value / ignore_lease -------------------------------------------------------

    @Test
    void ignoreValueWithAValueIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, VALUE_PROVIDED,
                () -> client.kv().put(put("seed/a", "new").setIgnoreValue(true).build()));
    }

    @Test
    void ignoreLeaseWithALeaseIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, LEASE_PROVIDED,
                () -> client.kv().put(put("seed/a", "new").setIgnoreLease(true).setLease(0x1234abcdL).build()));
    }

    @Test
    void ignoreValueOnAMissingKeyIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, KEY_NOT_FOUND,
                () -> client.kv().put(put("missing", "").setIgnoreValue(true).build()));
    }

    @Test
    void ignoreLeaseOnAMissingKeyIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, KEY_NOT_FOUND,
                () -> client.kv().put(put("missing", "v").setIgnoreLease(true).build()));
    }

    @Test
    void ignoreValueOnAMissingKeyInsideATxnIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, KEY_NOT_FOUND, () -> client.kv().txn(
                txn(op(put("txn-present", "v")), op(put("missing", "").setIgnoreValue(true))).build()));
    }

    @Test
    void ignoreValueWithAValueInsideATxnIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, VALUE_PROVIDED, () -> client.kv().txn(
                txn(op(put("seed/a", "new").setIgnoreValue(true))).build()));
    }

    @Test
    void ignoreValueKeepsTheValueOfAnExistingKey() {
        String before = client.kv().range(range("seed/c").build()).getKvs(0).getValue().toStringUtf8();

        long revision = client.kv().put(put("seed/c", "").setIgnoreValue(true).build()).getHeader().getRevision();

        var kv = client.kv().range(range("seed/c").build()).getKvs(0);
        assertEquals(before, kv.getValue().toStringUtf8());
        assertEquals(revision, kv.getModRevision());
    }

    // --- malformed txn ---------------------------------------------------------------------

    @Test
    void aTxnWithAnEmptyRequestOpIsRejected() {
        assertRejected(client, Code.INVALID_ARGUMENT, KEY_NOT_FOUND,
                () -> client.kv().txn(txn(op(put("empty-op", "v")), RequestOp.getDefaultInstance()).build()));
    }

    @Test
    void aCompareWithoutATargetValueComparesAgainstZero() {
        // target VERSION with no target_union set: compares version against 0, i.e. "key absent"
        Compare absent = Compare.newBuilder().setKey(bytes("never-written"))
                .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).build();

        TxnResponse response = client.kv().txn(TxnRequest.newBuilder().addCompare(absent).build());

        assertTrue(response.getSucceeded());
    }
}
