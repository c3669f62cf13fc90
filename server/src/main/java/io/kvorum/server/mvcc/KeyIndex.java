package io.kvorum.server.mvcc;

import java.util.Arrays;

/**
 * The revisions of one user key, oldest first. A tombstone ends a generation; the next put starts
 * a new one. The record at revision r is the newest entry whose main revision is at most r, and the
 * key is absent at r when that entry is a tombstone or there is none.
 *
 * <p>Two writers, any number of readers. The apply thread appends (and truncates what it appended);
 * the compactor thread compacts. Both change the history under this object's monitor, one key at a
 * time, so the apply thread waits at most for one key's compaction. Each change publishes an
 * immutable {@link History}; slots below a published size are never written again (a growing,
 * shrinking or compacting change copies into a new array), so a reader that took a history reads
 * it without a lock, and entries newer than its read revision are simply skipped.
 *
 * <p>An index left empty is marked removed before it leaves the {@link TreeIndex}, under the same
 * monitor; {@link #append} then refuses, so no entry is ever added to an index no longer mapped.
 *
 * <p>The index also knows the create revision and version of the key's newest record, as etcd's
 * key index keeps them per generation, so a put computes its own without reading the previous
 * record from the backend. Only the apply thread writes and reads them; compaction never changes
 * them, since it keeps the newest record (or empties and unmaps the index when that is a tombstone,
 * and a tombstone's version is 0 anyway). {@link MvccStore#open} sets them from the records.
 */
final class KeyIndex {

    /** Set on the sub slot of a tombstone; subs never reach it. */
    private static final long TOMBSTONE = Long.MIN_VALUE;

    private final byte[] key;
    private volatile History history = History.EMPTY;
    /** Guarded by this object's monitor: once set, the index is (being) unmapped and stays empty. */
    private boolean removed;
    /** The newest record's create revision and version; 0 and 0 when the key is absent now. Apply thread. */
    private long createRevision;
    private long version;

    /** Entry i is {@code slots[2i]} = main, {@code slots[2i+1]} = sub, with TOMBSTONE for a delete. */
    private record History(long[] slots, int size) {
        static final History EMPTY = new History(new long[0], 0);

        long main(int i) {
            return slots[2 * i];
        }

        long sub(int i) {
            return slots[2 * i + 1] & ~TOMBSTONE;
        }

        boolean tombstone(int i) {
            return (slots[2 * i + 1] & TOMBSTONE) != 0;
        }

        /** The newest entry with main at most {@code revision}, or -1. Mains never decrease. */
        int floor(long revision) {
            int low = 0;
            int high = size - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                if (main(mid) <= revision) {
                    low = mid + 1;
                } else {
                    high = mid - 1;
                }
            }
            return high;
        }
    }

    /** @param key owned by the index from now on */
    KeyIndex(byte[] key) {
        this.key = key;
    }

    byte[] key() {
        return key;
    }

    boolean isEmpty() {
        return history.size() == 0;
    }

    /** The revision of the key's record at {@code revision}, or null when the key is absent then. */
    Revision liveAt(long revision) {
        History h = history;
        int i = h.floor(revision);
        return i < 0 || h.tombstone(i) ? null : new Revision(h.main(i), h.sub(i));
    }

    boolean isLiveAt(long revision) {
        History h = history;
        int i = h.floor(revision);
        return i >= 0 && !h.tombstone(i);
    }

    boolean contains(Revision revision, boolean tombstone) {
        History h = history;
        for (int i = h.floor(revision.main()); i >= 0 && h.main(i) == revision.main(); i--) {
            if (h.sub(i) == revision.sub()) {
                return h.tombstone(i) == tombstone;
            }
        }
        return false;
    }

    /** The create revision of the key's newest record (staged ones included); 0 when absent. Apply thread. */
    long createRevision() {
        return createRevision;
    }

    /** The version of the key's newest record (staged ones included); 0 when absent. Apply thread. */
    long version() {
        return version;
    }

    /** Apply thread: puts back the create revision and version an abandoned txn's change replaced. */
    synchronized void restoreGeneration(long createRevision, long version) {
        this.createRevision = createRevision;
        this.version = version;
    }

    /**
     * Apply thread only. Revisions arrive in increasing order. A put's record has
     * {@code createRevision} and {@code version}; a tombstone's are 0.
     *
     * @return false, changing nothing, when the index was removed: the caller appends to the key's
     *         new index instead (see {@link TreeIndex#append})
     */
    synchronized boolean append(Revision revision, boolean tombstone, long createRevision, long version) {
        if (removed) {
            return false;
        }
        this.createRevision = tombstone ? 0 : createRevision;
        this.version = tombstone ? 0 : version;
        History h = history;
        long[] slots = h.slots();
        if (2 * h.size() == slots.length) {
            slots = Arrays.copyOf(slots, Math.max(4, slots.length * 2));
        }
        slots[2 * h.size()] = revision.main();
        slots[2 * h.size() + 1] = tombstone ? revision.sub() | TOMBSTONE : revision.sub();
        history = new History(slots, h.size() + 1);
        return true;
    }

    /** Apply thread only: forgets the entries of an abandoned txn (main revision {@code main} and newer). */
    synchronized void truncate(long main) {
        History h = history;
        int keep = h.floor(main - 1) + 1;
        if (keep < h.size()) {
            // a fresh array: readers may still hold the old one, and its slots must not change
            history = new History(Arrays.copyOf(h.slots(), 2 * keep), keep);
        }
    }

    /**
     * Marks the index removed if it is empty; the caller then unmaps it.
     *
     * @return whether it is removed now
     */
    synchronized boolean markRemovedIfEmpty() {
        if (history.size() == 0) {
            removed = true;
        }
        return removed;
    }

    /**
     * Keeps what a read at {@code revision} or later can need: the newest entry at or before it
     * (unless that is a tombstone) and everything newer. The rest goes to {@code dropped}, oldest
     * first, so that deleting the records in that order never leaves a put without the tombstone
     * that ended it.
     */
    synchronized void compact(long revision, RevisionList dropped) {
        History h = history;
        int newest = h.floor(revision);
        if (newest < 0) {
            return;
        }
        int keepFrom = h.tombstone(newest) ? newest + 1 : newest;
        if (keepFrom == 0) {
            return;
        }
        for (int i = 0; i < keepFrom; i++) {
            dropped.add(h.main(i), h.sub(i), h.tombstone(i));
        }
        int kept = h.size() - keepFrom;
        long[] slots = Arrays.copyOfRange(h.slots(), 2 * keepFrom, 2 * keepFrom + Math.max(2 * kept, 4));
        history = new History(slots, kept);
    }
}
