package io.kvorum.server.mvcc;

/**
 * The answer to Maintenance.HashKV: a CRC-32C over the {@code key} bucket up to a revision, leaving
 * out what compaction removed even where the physical deletion has not happened yet, so members
 * that applied the same log agree.
 *
 * @param hash            the CRC-32C
 * @param revision        the store's current revision when hashed
 * @param compactRevision the compacted revision the hash respects (-1: never compacted)
 */
public record KeyValueHash(int hash, long revision, long compactRevision) {
}
