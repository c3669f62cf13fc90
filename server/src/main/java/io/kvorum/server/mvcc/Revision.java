package io.kvorum.server.mvcc;

/**
 * A point in the store's history: {@code main} counts the write txns, {@code sub} orders the
 * changes inside one txn.
 *
 * <p>In the {@code key} bucket a revision is the record's key, laid out as etcd does: 8 bytes
 * big-endian main, {@code '_'}, 8 bytes big-endian sub (17 bytes), plus a trailing {@code 't'} when
 * the record is a tombstone. Records therefore sort by revision, and a rebuild tells deletes from
 * puts without decoding values.
 */
record Revision(long main, long sub) implements Comparable<Revision> {

    static final int KEY_LENGTH = 17;
    static final int TOMBSTONE_KEY_LENGTH = 18;
    private static final byte SEPARATOR = '_';
    private static final byte TOMBSTONE_MARK = 't';

    Revision {
        if (main < 0 || sub < 0) {
            throw new IllegalArgumentException("revision must not be negative: " + main + "_" + sub);
        }
    }

    /** The record key for this revision; a tombstone's carries the trailing mark. */
    byte[] toKey(boolean tombstone) {
        return toKey(main, sub, tombstone);
    }

    static byte[] toKey(long main, long sub, boolean tombstone) {
        byte[] key = new byte[tombstone ? TOMBSTONE_KEY_LENGTH : KEY_LENGTH];
        putLong(key, 0, main);
        key[8] = SEPARATOR;
        putLong(key, 9, sub);
        if (tombstone) {
            key[KEY_LENGTH] = TOMBSTONE_MARK;
        }
        return key;
    }

    /** The smallest record key of main revision {@code main}: a scan bound. */
    static byte[] firstKeyOf(long main) {
        return toKey(main, 0, false);
    }

    static Revision fromKey(byte[] key) {
        boolean wellFormed = (key.length == KEY_LENGTH
                || key.length == TOMBSTONE_KEY_LENGTH && key[KEY_LENGTH] == TOMBSTONE_MARK)
                && key[8] == SEPARATOR;
        if (!wellFormed) {
            throw new IllegalStateException("mvcc: malformed revision key of " + key.length + " bytes");
        }
        return new Revision(getLong(key, 0), getLong(key, 9));
    }

    static boolean isTombstoneKey(byte[] key) {
        return key.length == TOMBSTONE_KEY_LENGTH && key[KEY_LENGTH] == TOMBSTONE_MARK;
    }

    static long getLong(byte[] bytes, int offset) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (bytes[offset + i] & 0xffL);
        }
        return value;
    }

    static void putLong(byte[] bytes, int offset, long value) {
        for (int i = 7; i >= 0; i--) {
            bytes[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    @Override
    public int compareTo(Revision other) {
        int byMain = Long.compare(main, other.main);
        return byMain != 0 ? byMain : Long.compare(sub, other.sub);
    }

    @Override
    public String toString() {
        return main + "_" + sub;
    }
}
