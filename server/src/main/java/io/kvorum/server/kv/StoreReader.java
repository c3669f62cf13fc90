package io.kvorum.server.kv;

import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.mvcc.CompactedException;
import io.kvorum.server.mvcc.FutureRevisionException;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.RangeResult;

/**
 * Reads of one read-only request, off the apply thread, all pinned at the revision current when
 * the request started, so every part of it (a txn's compares and ranges) sees the same state.
 */
final class StoreReader implements KvReader {
    private final MvccStore store;
    private final long revision;

    StoreReader(MvccStore store) {
        this.store = store;
        this.revision = store.currentRevision();
    }

    @Override
    public long revision() {
        return revision;
    }

    @Override
    public long compactedRevision() {
        return store.compactedRevision();
    }

    @Override
    public RangeResult range(byte[] key, byte[] rangeEnd, long rev, long limit, boolean countOnly) {
        long at = rev > 0 ? rev : revision;
        try {
            return countOnly ? store.count(key, rangeEnd, at) : store.range(key, rangeEnd, at, limit);
        } catch (CompactedException e) {
            throw new EtcdException(EtcdError.COMPACTED);
        } catch (FutureRevisionException e) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
    }
}
