package io.kvorum.server.grpc;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The checks etcd makes before a KV request reaches consensus; a request that fails them changes
 * nothing.
 */
final class RequestChecks {
    private final int maxTxnOps;

    RequestChecks(int maxTxnOps) {
        this.maxTxnOps = maxTxnOps;
    }

    void range(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.EMPTY_KEY);
        }
        if (r.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
                || r.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
            throw new EtcdException(EtcdError.INVALID_SORT_OPTION);
        }
    }

    void put(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.EMPTY_KEY);
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw new EtcdException(EtcdError.VALUE_PROVIDED);
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw new EtcdException(EtcdError.LEASE_PROVIDED);
        }
    }

    void deleteRange(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.EMPTY_KEY);
        }
    }

    void txn(TxnRequest r) {
        txn(r, maxTxnOps);
        duplicateKeys(r.getSuccessList());
        duplicateKeys(r.getFailureList());
    }

    /** The op limit applies per level, to the longest of compares, success and failure; nested txns get what is left. */
    private void txn(TxnRequest r, int budget) {
        int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (ops > budget) {
            throw new EtcdException(EtcdError.TOO_MANY_OPS);
        }
        for (var c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw new EtcdException(EtcdError.EMPTY_KEY);
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            requestOp(op, budget - ops);
        }
        for (RequestOp op : r.getFailureList()) {
            requestOp(op, budget - ops);
        }
    }

    private void requestOp(RequestOp op, int budget) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> range(op.getRequestRange());
            case REQUEST_PUT -> put(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> deleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> txn(op.getRequestTxn(), budget);
            case REQUEST_NOT_SET -> throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
    }

    /**
     * etcd's duplicate-key rule for one branch: no key is put twice, and no key is put inside a
     * range the same branch deletes (nested txns included; a nested txn's two branches exclude
     * each other, so a key may be put in both). Lookups are logarithmic: a request may hold tens
     * of thousands of ops across nesting levels.
     */
    private static void duplicateKeys(List<RequestOp> ops) {
        checkIntervals(ops, new Deletes());
    }

    private static Set<ByteString> checkIntervals(List<RequestOp> ops, Deletes deletesOut) {
        Deletes deletes = new Deletes();
        for (RequestOp op : ops) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                deletes.add(d.getKey(), d.getRangeEnd());
            }
        }
        Set<ByteString> puts = new HashSet<>();
        for (RequestOp op : ops) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Deletes deletesThen = new Deletes();
            Deletes deletesElse = new Deletes();
            Set<ByteString> putsThen = checkIntervals(op.getRequestTxn().getSuccessList(), deletesThen);
            Set<ByteString> putsElse = checkIntervals(op.getRequestTxn().getFailureList(), deletesElse);
            for (ByteString k : putsThen) {
                if (puts.contains(k) || deletes.contains(k)) {
                    throw new EtcdException(EtcdError.DUPLICATE_KEY);
                }
                puts.add(k);
            }
            for (ByteString k : putsElse) {
                if ((puts.contains(k) && !putsThen.contains(k)) || deletes.contains(k)) {
                    throw new EtcdException(EtcdError.DUPLICATE_KEY);
                }
                puts.add(k);
            }
            deletes.addAll(deletesThen);
            deletes.addAll(deletesElse);
        }
        for (RequestOp op : ops) {
            if (!op.hasRequestPut()) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (puts.contains(k) || deletes.contains(k)) {
                throw new EtcdException(EtcdError.DUPLICATE_KEY);
            }
            puts.add(k);
        }
        deletesOut.addAll(deletes);
        return puts;
    }

    /**
     * The keys a branch deletes, as etcd's check sees them: single keys, and [key, end) ranges
     * compared as plain bytes (so a "from key" end of {@code \0} covers nothing here, as in
     * etcd). Ranges are kept merged and sorted.
     */
    private static final class Deletes {
        private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

        private final Set<ByteString> points = new HashSet<>();
        private final TreeMap<ByteString, ByteString> ranges = new TreeMap<>(ORDER);

        void add(ByteString key, ByteString end) {
            if (end.isEmpty()) {
                points.add(key);
                return;
            }
            if (ORDER.compare(key, end) >= 0) {
                return;
            }
            ByteString from = key;
            ByteString to = end;
            Map.Entry<ByteString, ByteString> before = ranges.floorEntry(from);
            if (before != null && ORDER.compare(before.getValue(), from) >= 0) {
                from = before.getKey();
                to = max(to, before.getValue());
            }
            for (Map.Entry<ByteString, ByteString> next = ranges.ceilingEntry(from);
                 next != null && ORDER.compare(next.getKey(), to) <= 0;
                 next = ranges.ceilingEntry(from)) {
                to = max(to, next.getValue());
                ranges.remove(next.getKey());
            }
            ranges.put(from, to);
        }

        void addAll(Deletes other) {
            points.addAll(other.points);
            other.ranges.forEach(this::add);
        }

        boolean contains(ByteString key) {
            if (points.contains(key)) {
                return true;
            }
            Map.Entry<ByteString, ByteString> range = ranges.floorEntry(key);
            return range != null && ORDER.compare(key, range.getValue()) < 0;
        }

        private static ByteString max(ByteString a, ByteString b) {
            return ORDER.compare(a, b) >= 0 ? a : b;
        }
    }
}
