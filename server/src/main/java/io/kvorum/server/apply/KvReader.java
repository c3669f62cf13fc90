package io.kvorum.server.apply;

import io.kvorum.server.mvcc.RangeResult;

/**
 * Where KV semantics read from: the store at one pinned revision (read-only requests), or a write
 * transaction that sees its own writes.
 */
interface KvReader {

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
