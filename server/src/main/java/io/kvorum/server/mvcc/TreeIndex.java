package io.kvorum.server.mvcc;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;

/**
 * Every user key's {@link KeyIndex}, in unsigned byte order.
 *
 * <p>Readers on any thread look keys up and iterate ranges while the apply thread adds keys; a key
 * leaves only when compaction (on the compactor thread) or an abandoned txn (on the apply thread)
 * empties it, which first marks its {@link KeyIndex} removed. Iteration is weakly consistent,
 * which is enough: a reader only trusts entries at or below its read revision, and compaction
 * announces itself through the store's compacted revision before it changes anything here.
 */
final class TreeIndex {

    /** Keys compacted between two checks of whether to go on. */
    static final int CHUNK = 1000;

    /** Unsigned byte order, etcd's order of keys. */
    static final Comparator<byte[]> KEY_ORDER = Arrays::compareUnsigned;

    private final ConcurrentSkipListMap<byte[], KeyIndex> keys;
    /** {@code keys.size()} kept as it changes: the map counts by walking ({@code etcd_debugging_mvcc_keys_total}). */
    private final java.util.concurrent.atomic.AtomicLong size = new java.util.concurrent.atomic.AtomicLong();

    /** An empty index. */
    TreeIndex() {
        keys = new ConcurrentSkipListMap<>(KEY_ORDER);
    }

    /**
     * The index of {@code sorted}'s keys, linked in one pass ({@link TreeIndexBuilder}).
     *
     * @param sorted ordered by {@link #KEY_ORDER}; not used after
     */
    TreeIndex(SortedMap<byte[], KeyIndex> sorted) {
        keys = new ConcurrentSkipListMap<>(sorted);
        size.set(keys.size());
    }

    /** How many keys have a history (live or deleted, not yet compacted away), as etcd's keys gauge. */
    long size() {
        return size.get();
    }

    /** The key's index, or null when the key has no history. */
    KeyIndex get(byte[] key) {
        return keys.get(key);
    }

    /**
     * Apply thread only: the only thread that adds keys. The index returned may be removed by
     * compaction before the caller appends to it; {@link #append} handles that.
     *
     * @param key owned by the index from now on if the key is new
     */
    KeyIndex getOrCreate(byte[] key) {
        KeyIndex index = keys.get(key);
        if (index == null) {
            index = new KeyIndex(key);
            keys.put(key, index);
            size.incrementAndGet();
        }
        return index;
    }

    /**
     * Apply thread only: appends to {@code index}, or, when compaction has just emptied and removed
     * it, to the key's new index. What the caller read from the removed index stays right: it was
     * emptied, so the key was absent at the compacted revision and had no newer entry (its version
     * was 0, and the put starts a generation).
     *
     * @return the index appended to
     */
    KeyIndex append(KeyIndex index, Revision revision, boolean tombstone, long createRevision, long version) {
        while (!index.append(revision, tombstone, createRevision, version)) {
            if (keys.remove(index.key(), index)) { // the compactor may not have unmapped it yet
                size.decrementAndGet();
            }
            index = getOrCreate(index.key());
        }
        return index;
    }

    /**
     * The keys of a range as etcd reads it: no {@code rangeEnd} is the single key, {@code rangeEnd}
     * = {@code \0} is every key from {@code key} on, otherwise [{@code key}, {@code rangeEnd}).
     */
    Collection<KeyIndex> range(byte[] key, byte[] rangeEnd) {
        if (rangeEnd == null || rangeEnd.length == 0) {
            KeyIndex index = keys.get(key);
            return index == null ? List.of() : List.of(index);
        }
        if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            return keys.tailMap(key, true).values();
        }
        if (Arrays.compareUnsigned(key, rangeEnd) >= 0) {
            return List.of();
        }
        return keys.subMap(key, true, rangeEnd, false).values();
    }

    /** Unmaps {@code index} if it is empty; any thread. */
    void removeIfEmpty(KeyIndex index) {
        if (index.markRemovedIfEmpty() && keys.remove(index.key(), index)) {
            size.decrementAndGet();
        }
    }

    /**
     * Compacts every key at {@code revision} (see {@link KeyIndex#compact}), each under its own
     * lock, and unmaps the keys left empty. Runs beside the apply thread's appends and any reads.
     * After every {@link #CHUNK} keys it asks {@code goOn} whether to go on.
     *
     * @return false when {@code goOn} stopped it before the last key
     */
    boolean compact(long revision, RevisionList dropped, BooleanSupplier goOn) {
        int sinceChunk = 0;
        for (KeyIndex index : keys.values()) {
            index.compact(revision, dropped);
            removeIfEmpty(index);
            if (++sinceChunk == CHUNK) {
                sinceChunk = 0;
                if (!goOn.getAsBoolean()) {
                    return false;
                }
            }
        }
        return true;
    }
}
