package io.kvorum.server.kv;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.DeleteRangeResponse;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RangeResponse;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.api.etcdserverpb.ResponseOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.mvcc.RangeResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * etcd's KV request semantics over MVCC: Range options, Put and DeleteRange preconditions, and Txn
 * (compares, branch choice, nested txns). Stateless; the caller says where it reads and writes.
 * Reads ({@link #range}, {@link #readTxn}) need nothing but a {@link KvReader}, so the readers use
 * them off the apply thread; writes also need to know which leases exist, so the applier holds
 * the one instance.
 */
public final class KvSemantics {
    private static final byte[] NO_END = new byte[0];

    private final LongPredicate leaseExists;

    public KvSemantics(LongPredicate leaseExists) {
        this.leaseExists = leaseExists;
    }

    // ---- Range -------------------------------------------------------------------------------

    public static RangeResponse range(KvReader reader, RangeRequest r) {
        long limit = r.getLimit();
        boolean fetchAll = r.getSortOrder() != RangeRequest.SortOrder.NONE
                || r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        // etcd fetches one more than the limit to learn whether there is more, unless it must
        // filter or sort everything first.
        long fetch = fetchAll ? 0 : (limit > 0 ? limit + 1 : 0);
        RangeResult rr = reader.range(bytes(r.getKey()), bytes(r.getRangeEnd()), r.getRevision(), fetch,
                r.getCountOnly());

        List<KeyValue> kvs = rr.kvs();
        if (r.getMaxModRevision() != 0 || r.getMinModRevision() != 0
                || r.getMaxCreateRevision() != 0 || r.getMinCreateRevision() != 0) {
            kvs = new ArrayList<>(kvs);
            kvs.removeIf(kv -> (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision())
                    || (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision())
                    || (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision())
                    || (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()));
        }
        RangeRequest.SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        if (order != RangeRequest.SortOrder.NONE) {
            Comparator<KeyValue> cmp = comparator(r.getSortTarget());
            kvs = new ArrayList<>(kvs);
            // A stable sort keeps key order among equal values, as etcd's does.
            kvs.sort(order == RangeRequest.SortOrder.DESCEND ? cmp.reversed() : cmp);
        }
        boolean more = false;
        if (limit > 0 && kvs.size() > limit) {
            kvs = kvs.subList(0, (int) limit);
            more = true;
        }
        RangeResponse.Builder resp = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(reader.revision()))
                .setMore(more)
                .setCount(rr.count());
        for (KeyValue kv : kvs) {
            resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return resp.build();
    }

    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        return switch (target) {
            case KEY -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getValue(), b.getValue());
            case UNRECOGNIZED -> throw new EtcdException(EtcdError.INVALID_SORT_OPTION);
        };
    }

    // ---- Put and DeleteRange -----------------------------------------------------------------

    /**
     * Checks what etcd checks before a Put inside a txn changes anything: the previous key-value
     * that ignore_value/ignore_lease need, then the lease.
     */
    private void checkPut(KvReader reader, PutRequest p) {
        if (p.getIgnoreValue() || p.getIgnoreLease()) {
            if (reader.range(bytes(p.getKey()), NO_END, 0, 1, false).kvs().isEmpty()) {
                throw new EtcdException(EtcdError.KEY_NOT_FOUND);
            }
        }
        checkLease(p);
    }

    /** A plain Put checks its lease first (and its previous key-value while putting). */
    public void checkLease(PutRequest p) {
        if (p.getLease() != 0 && !leaseExists.test(p.getLease())) {
            throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
        }
    }

    public PutResponse put(KvWriter txn, PutRequest p) {
        byte[] key = bytes(p.getKey());
        Optional<KeyValue> prev = Optional.empty();
        if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
            List<KeyValue> found = txn.range(key, NO_END, 0, 1, false).kvs();
            prev = found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        }
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev.isEmpty()) {
            throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
        byte[] value = p.getIgnoreValue() ? prev.get().getValue().toByteArray() : bytes(p.getValue());
        long lease = p.getIgnoreLease() ? prev.get().getLease() : p.getLease();
        txn.put(key, value, lease);
        PutResponse.Builder resp = PutResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(txn.revisionAfter()));
        if (p.getPrevKv()) {
            prev.ifPresent(resp::setPrevKv);
        }
        return resp.build();
    }

    public DeleteRangeResponse deleteRange(KvWriter txn, DeleteRangeRequest d) {
        List<KeyValue> deleted = txn.deleteRange(bytes(d.getKey()), bytes(d.getRangeEnd()));
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(txn.revisionAfter()))
                .setDeleted(deleted.size());
        if (d.getPrevKv()) {
            resp.addAllPrevKvs(deleted);
        }
        return resp.build();
    }

    // ---- Txn ---------------------------------------------------------------------------------

    /**
     * Whether etcd serves the txn without consensus: every op of both branches is a Range (a
     * nested txn counts as a write, as in etcd, even when it only reads).
     */
    public static boolean isReadOnly(TxnRequest t) {
        return onlyRanges(t.getSuccessList()) && onlyRanges(t.getFailureList());
    }

    private static boolean onlyRanges(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            if (!op.hasRequestRange()) {
                return false;
            }
        }
        return true;
    }

    /** Whether every Range of a read-only txn is serializable (an empty txn is). */
    public static boolean isSerializable(TxnRequest t) {
        for (RequestOp op : t.getSuccessList()) {
            if (!op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        for (RequestOp op : t.getFailureList()) {
            if (!op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        return true;
    }

    /** A read-only txn (see {@link #isReadOnly}), evaluated entirely at the reader's revision. */
    public static TxnResponse readTxn(KvReader reader, TxnRequest t) {
        List<Boolean> path = new ArrayList<>();
        choosePath(reader, t, path);
        checkRanges(reader, t, path, new int[1]);
        boolean succeeded = path.get(0);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(succeeded);
        for (RequestOp op : succeeded ? t.getSuccessList() : t.getFailureList()) {
            resp.addResponses(ResponseOp.newBuilder().setResponseRange(range(reader, op.getRequestRange())));
        }
        return resp.setHeader(ResponseHeader.newBuilder().setRevision(reader.revision())).build();
    }

    /**
     * A txn that may write. Every compare on the chosen path is evaluated first, against the state
     * before the txn, and preconditions are checked, so the txn fails whole or applies whole.
     */
    public TxnResponse writeTxn(KvWriter txn, TxnRequest t) {
        List<Boolean> path = new ArrayList<>();
        choosePath(txn, t, path);
        checkPuts(txn, t, path, new int[1]);
        checkRanges(txn, t, path, new int[1]);
        TxnResponse.Builder resp = TxnResponse.newBuilder();
        executeWrite(txn, t, path, new int[1], resp);
        resp.setHeader(ResponseHeader.newBuilder().setRevision(txn.revisionAfter()));
        return resp.build();
    }

    private void executeWrite(KvWriter txn, TxnRequest t, List<Boolean> path, int[] step, TxnResponse.Builder resp) {
        boolean succeeded = path.get(step[0]++);
        resp.setSucceeded(succeeded);
        for (RequestOp op : succeeded ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder out = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> out.setResponseRange(range(txn, op.getRequestRange()));
                case REQUEST_PUT -> out.setResponsePut(put(txn, op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> out.setResponseDeleteRange(deleteRange(txn, op.getRequestDeleteRange()));
                case REQUEST_TXN -> {
                    TxnResponse.Builder inner = TxnResponse.newBuilder();
                    executeWrite(txn, op.getRequestTxn(), path, step, inner);
                    // etcd gives nested txn responses an empty header.
                    out.setResponseTxn(inner.setHeader(ResponseHeader.getDefaultInstance()));
                }
                case REQUEST_NOT_SET -> throw new EtcdException(EtcdError.KEY_NOT_FOUND);
            }
            resp.addResponses(out);
        }
    }

    /** Evaluates the compares of this txn and, depth first, of the nested txns on the chosen branch. */
    private static void choosePath(KvReader reader, TxnRequest t, List<Boolean> path) {
        boolean ok = true;
        for (Compare c : t.getCompareList()) {
            if (!compare(reader, c)) {
                ok = false;
                break;
            }
        }
        path.add(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                choosePath(reader, op.getRequestTxn(), path);
            }
        }
    }

    private void checkPuts(KvReader reader, TxnRequest t, List<Boolean> path, int[] step) {
        boolean ok = path.get(step[0]++);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestPut()) {
                checkPut(reader, op.getRequestPut());
            } else if (op.hasRequestTxn()) {
                checkPuts(reader, op.getRequestTxn(), path, step);
            }
        }
    }

    private static void checkRanges(KvReader reader, TxnRequest t, List<Boolean> path, int[] step) {
        boolean ok = path.get(step[0]++);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestRange()) {
                long rev = op.getRequestRange().getRevision();
                if (rev > reader.revision()) {
                    throw new EtcdException(EtcdError.FUTURE_REV);
                }
                if (rev > 0 && rev < reader.compactedRevision()) {
                    throw new EtcdException(EtcdError.COMPACTED);
                }
            } else if (op.hasRequestTxn()) {
                checkRanges(reader, op.getRequestTxn(), path, step);
            }
        }
    }

    private static boolean compare(KvReader reader, Compare c) {
        List<KeyValue> kvs = reader.range(bytes(c.getKey()), bytes(c.getRangeEnd()), 0, 0, false).kvs();
        if (kvs.isEmpty()) {
            // A missing key has no value to compare; every other target compares against zero.
            return c.getTarget() != Compare.CompareTarget.VALUE && compareKv(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKv(Compare c, KeyValue kv) {
        int result = switch (c.getTarget()) {
            case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY);
            case CREATE -> Long.compare(kv.getCreateRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case MOD -> Long.compare(kv.getModRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case VERSION -> Long.compare(kv.getVersion(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case LEASE -> Long.compare(kv.getLease(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
            case UNRECOGNIZED -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            case UNRECOGNIZED -> true;
        };
    }

    /** The bytes of a key or range end; an empty one is the shared empty array. */
    public static byte[] bytes(ByteString s) {
        return s.isEmpty() ? NO_END : s.toByteArray();
    }
}
