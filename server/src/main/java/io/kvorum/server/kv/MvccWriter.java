package io.kvorum.server.kv;

import io.kvorum.api.mvccpb.KeyValue;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.server.mvcc.RangeResult;
import io.kvorum.server.mvcc.WriteTxn;
import java.util.List;

/** KV semantics' view of one MVCC write txn on the apply thread. */
final class MvccWriter implements KvWriter {
    private final WriteTxn txn;

    MvccWriter(WriteTxn txn) {
        this.txn = txn;
    }

    @Override
    public long revision() {
        return txn.currentRevision();
    }

    @Override
    public long compactedRevision() {
        return txn.compactedRevision();
    }

    @Override
    public RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit, boolean countOnly) {
        try {
            return countOnly ? txn.count(key, rangeEnd, revision) : txn.range(key, rangeEnd, revision, limit);
        } catch (CompactedException e) {
            throw new EtcdException(EtcdError.COMPACTED);
        } catch (FutureRevisionException e) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
    }

    @Override
    public void put(byte[] key, byte[] value, long lease) {
        txn.put(key, value, lease);
    }

    @Override
    public List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd) {
        return txn.deleteRange(key, rangeEnd);
    }

    @Override
    public long revisionAfter() {
        return txn.currentRevision();
    }
}
