package io.kvorum.server.snapshot;

/**
 * bbolt's file format, as far as kvorum writes and reads it: 4096-byte pages, each opening with
 * a 16-byte header (page id, flags, element count, overflow page count), all numbers
 * little-endian as bbolt lays them out on the platforms etcd ships for.
 *
 * <p>Pages 0 and 1 are the two meta pages (bbolt keeps the one with the higher transaction id
 * whose FNV-64a checksum holds); the meta names the root bucket's page, the freelist's page and
 * the high-water mark (the number of pages). A bucket is a B+tree of branch and leaf pages; a
 * leaf element flagged {@link #BUCKET_LEAF_FLAG} is a nested bucket whose value is its 16-byte
 * header (root page, sequence), root page 0 meaning the bucket's page is inline in the value.
 */
final class Bbolt {
    static final int PAGE_SIZE = 4096;
    static final int PAGE_HEADER_SIZE = 16;
    /** Leaf element: flags, pos, ksize, vsize (4 bytes each); pos is relative to the element. */
    static final int LEAF_ELEMENT_SIZE = 16;
    /** Branch element: pos, ksize (4 bytes each), child page id (8). */
    static final int BRANCH_ELEMENT_SIZE = 16;
    static final int BUCKET_HEADER_SIZE = 16;

    static final int BRANCH_PAGE_FLAG = 0x01;
    static final int LEAF_PAGE_FLAG = 0x02;
    static final int META_PAGE_FLAG = 0x04;
    static final int FREELIST_PAGE_FLAG = 0x10;
    static final int BUCKET_LEAF_FLAG = 0x01;

    static final int MAGIC = 0xED0CDAED;
    static final int VERSION = 2;
    /** magic, version, page size, flags (4 each), root bucket (16), freelist, pgid, txid (8 each). */
    static final int META_CHECKSUMMED_SIZE = 56;
    static final int META_SIZE = META_CHECKSUMMED_SIZE + 8;
    /** The freelist page id bbolt writes when it keeps no freelist. */
    static final long NO_FREELIST = 0xFFFFFFFFFFFFFFFFL;
    static final int MAX_KEY_SIZE = 32768;

    private Bbolt() {
    }

    static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static int getShort(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    static int getInt(byte[] b, int off) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xffL);
        }
        return v;
    }

    /** FNV-64a, bbolt's meta page checksum. */
    static long fnv64a(byte[] b, int off, int len) {
        long hash = 0xcbf29ce484222325L;
        for (int i = off; i < off + len; i++) {
            hash ^= b[i] & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    static void pageHeader(byte[] page, long id, int flags, int count, int overflow) {
        putLong(page, 0, id);
        putShort(page, 8, flags);
        putShort(page, 10, count);
        putInt(page, 12, overflow);
    }

    /** Pages needed for {@code bytes} bytes. */
    static int pagesFor(long bytes) {
        return (int) ((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
    }
}
