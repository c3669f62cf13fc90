package io.kvorum.server.kv;

import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.server.mvcc.RangeResult;

/**
 * Where KV semantics read from: the store at one pinned revision (read-only requests), or a write
 * transaction that sees its own writes.
 */
public interface KvReader {

    /** A reader of one read-only request, pinned at {@code store}'s current revision (see {@code StoreReader}). */
    static KvReader pinned(MvccStore store) {
        return new StoreReader(store);
    }

    /** The revision a read at revision 0 sees. */
    long revision();

    /** The lowest revision that can still be read. */
    long compactedRevision();

    /**
     * @param revision 0 for {@link #revision()}
     * @param limit    0 for no limit
     */
    RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit, boolean countOnly);
}
