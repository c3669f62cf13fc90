package io.kvorum.server.mvcc;

import java.util.Arrays;

/**
 * A growable list of record revisions, two longs each: a compaction can drop millions of them, and
 * objects per entry would cost several times the memory.
 */
final class RevisionList {

    private static final long TOMBSTONE = Long.MIN_VALUE;

    private long[] slots = new long[64];
    private int size;

    void add(long main, long sub, boolean tombstone) {
        if (2 * size == slots.length) {
            slots = Arrays.copyOf(slots, slots.length * 2);
        }
        slots[2 * size] = main;
        slots[2 * size + 1] = tombstone ? sub | TOMBSTONE : sub;
        size++;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The {@code key} bucket record key of entry {@code i}. */
    byte[] recordKey(int i) {
        long sub = slots[2 * i + 1];
        return Revision.toKey(slots[2 * i], sub & ~TOMBSTONE, (sub & TOMBSTONE) != 0);
    }
}
