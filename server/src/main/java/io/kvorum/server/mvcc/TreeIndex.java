package io.kvorum.server.mvcc;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Every user key's {@link KeyIndex}, in unsigned byte order.
 *
 * <p>Readers on any thread look keys up and iterate ranges while the apply thread adds keys; a key
 * leaves only when compaction (or an abandoned txn) empties it. Iteration is weakly consistent,
 * which is enough: a reader only trusts entries at or below its read revision, and compaction
 * announces itself through the store's compacted revision before it changes anything here.
 */
final class TreeIndex {

    private final ConcurrentSkipListMap<byte[], KeyIndex> keys =
            new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    /** The key's index, or null when the key has no history. */
    KeyIndex get(byte[] key) {
        return keys.get(key);
    }

    /** Writer only. @param key owned by the index from now on if the key is new */
    KeyIndex getOrCreate(byte[] key) {
        KeyIndex index = keys.get(key);
        if (index == null) {
            index = new KeyIndex(key);
            keys.put(key, index);
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

    /** Writer only. */
    void removeIfEmpty(KeyIndex index) {
        if (index.isEmpty()) {
            keys.remove(index.key(), index);
        }
    }

    /** Writer only: compacts every key at {@code revision}; see {@link KeyIndex#compact}. */
    RevisionList compact(long revision) {
        RevisionList dropped = new RevisionList();
        for (KeyIndex index : keys.values()) {
            index.compact(revision, dropped);
            removeIfEmpty(index);
        }
        return dropped;
    }

    boolean contains(byte[] key, Revision revision, boolean tombstone) {
        KeyIndex index = keys.get(key);
        return index != null && index.contains(revision, tombstone);
    }
}
