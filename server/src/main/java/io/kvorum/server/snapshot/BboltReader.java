package io.kvorum.server.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Reads a bbolt database file, any bbolt writes (inline and nested buckets, overflow pages,
 * either meta page), page by page from disk: memory stays a page or a node, whatever the file's
 * size. Every length and page id read from the file is checked against the file before use, so a
 * corrupt or foreign file is refused with a {@link BboltFormatException}, never read past its end.
 *
 * <p>Not thread-safe; one reader per thread.
 */
public final class BboltReader implements AutoCloseable {
    private static final int MIN_PAGE_SIZE = 512;
    private static final int MAX_PAGE_SIZE = 1 << 20;
    private static final int MAX_DEPTH = 64;

    private final FileChannel channel;
    private final long length;
    private final int pageSize;
    private final long pages;
    private final long root;
    private final long freelist;

    private BboltReader(FileChannel channel, long length, int pageSize, long pages, long root, long freelist) {
        this.channel = channel;
        this.length = length;
        this.pageSize = pageSize;
        this.pages = pages;
        this.root = root;
        this.freelist = freelist;
    }

    /**
     * Opens the first {@code length} bytes of {@code file} as a bbolt database (bytes past it, such
     * as a snapshot's trailing hash, are not read).
     */
    public static BboltReader open(Path file, long length) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return open(channel, Math.min(length, channel.size()));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static BboltReader open(FileChannel channel, long length) throws IOException {
        // bbolt's page size is in the meta; the first meta is at offset 0 whatever the page size
        byte[] first = read(channel, length, 0, Math.min(length, Bbolt.PAGE_HEADER_SIZE + Bbolt.META_SIZE));
        Meta meta0 = Meta.parse(first);
        int pageSize = meta0 != null ? meta0.pageSize : Bbolt.PAGE_SIZE;
        Meta meta1 = null;
        if (length >= (long) pageSize + Bbolt.PAGE_HEADER_SIZE + Bbolt.META_SIZE) {
            meta1 = Meta.parse(read(channel, length, pageSize, Bbolt.PAGE_HEADER_SIZE + Bbolt.META_SIZE));
        }
        Meta meta = meta0 == null ? meta1 : meta1 == null || meta0.txid >= meta1.txid ? meta0 : meta1;
        if (meta == null) {
            throw new BboltFormatException("not a bbolt database: no valid meta page");
        }
        if (meta.pages < 2 || meta.pages > length / meta.pageSize) {
            throw new BboltFormatException("bbolt: the meta page counts " + meta.pages
                    + " pages of " + meta.pageSize + " bytes, but the file has " + length + " bytes");
        }
        return new BboltReader(channel, length, meta.pageSize, meta.pages, meta.root, meta.freelist);
    }

    /** The database's size as bbolt's {@code Tx.Size()}: pages below the high-water mark. */
    public long size() {
        return pages * pageSize;
    }

    /** The top-level bucket names, in order. */
    public List<byte[]> bucketNames() throws IOException {
        List<byte[]> names = new ArrayList<>();
        walk(root, null, 0, new byte[1][], (key, value, flags) -> {
            if ((flags & Bbolt.BUCKET_LEAF_FLAG) == 0) {
                throw new BboltFormatException("bbolt: top-level key " + printable(key) + " is not a bucket");
            }
            names.add(key);
        });
        return names;
    }

    /**
     * Visits a top-level bucket's entries in key order; a nested bucket's entry is given with an
     * empty value, as bbolt's {@code ForEach} gives it with none.
     *
     * @return false when there is no such bucket
     */
    public boolean forEach(byte[] bucket, BboltWriter.EntrySink sink) throws IOException {
        byte[][] found = new byte[1][];
        walk(root, null, 0, new byte[1][], (key, value, flags) -> {
            if (Arrays.equals(key, bucket) && (flags & Bbolt.BUCKET_LEAF_FLAG) != 0) {
                found[0] = value;
            }
        });
        if (found[0] == null) {
            return false;
        }
        visitBucket(found[0], null, (key, value, flags) ->
                sink.accept(key, (flags & Bbolt.BUCKET_LEAF_FLAG) != 0 ? new byte[0] : value));
        return true;
    }

    /**
     * bbolt's {@code Tx.Check()}: every page below the high-water mark is either reachable exactly
     * once (metas, freelist, the pages of every bucket, nested ones included) or free; every page
     * has the type its place calls for; keys ascend within every bucket. A database that keeps no
     * freelist (etcd's) has no unreachable page to find: bbolt takes every such page as free.
     */
    public void check() throws IOException {
        BitSet reached = new BitSet();
        reached.set(0, 2);
        BitSet free = new BitSet();
        if (freelist != Bbolt.NO_FREELIST) {
            readFreelist(free);
            Node node = node(freelist);
            markPages(reached, freelist, node.overflow);
        }
        checkBucketTree(root, reached, free, 0);
        if (freelist == Bbolt.NO_FREELIST) {
            // bbolt without a synced freelist (etcd's setting) counts every page it cannot reach as free
            return;
        }
        for (long id = 0; id < pages; id++) {
            if (!reached.get((int) id) && !free.get((int) id)) {
                throw new BboltFormatException("page " + id + ": unreachable unfreed");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- structure

    @FunctionalInterface
    private interface ElementVisitor {
        void visit(byte[] key, byte[] value, int flags) throws IOException;
    }

    private record Meta(int pageSize, long root, long freelist, long pages, long txid) {
        /** The meta in a page's first bytes, or null when the page is not a valid meta. */
        static Meta parse(byte[] page) {
            if (page.length < Bbolt.PAGE_HEADER_SIZE + Bbolt.META_SIZE) {
                return null;
            }
            int m = Bbolt.PAGE_HEADER_SIZE;
            if (Bbolt.getInt(page, m) != Bbolt.MAGIC || Bbolt.getInt(page, m + 4) != Bbolt.VERSION) {
                return null;
            }
            long checksum = Bbolt.getLong(page, m + 56);
            if (checksum != 0 && checksum != Bbolt.fnv64a(page, m, Bbolt.META_CHECKSUMMED_SIZE)) {
                return null;
            }
            int pageSize = Bbolt.getInt(page, m + 8);
            if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || Integer.bitCount(pageSize) != 1) {
                return null;
            }
            return new Meta(pageSize, Bbolt.getLong(page, m + 16), Bbolt.getLong(page, m + 32),
                    Bbolt.getLong(page, m + 40), Bbolt.getLong(page, m + 48));
        }
    }

    /** A page (with its overflow pages) as read: header fields and bytes. */
    private record Node(long id, int flags, int count, int overflow, byte[] bytes) {
        boolean leaf() {
            return (flags & Bbolt.LEAF_PAGE_FLAG) != 0;
        }

        boolean branch() {
            return (flags & Bbolt.BRANCH_PAGE_FLAG) != 0;
        }
    }

    private Node node(long id) throws IOException {
        if (id < 2 || id >= pages) {
            throw new BboltFormatException("bbolt: page " + id + " out of bounds: " + pages);
        }
        byte[] header = read(channel, length, id * pageSize, Bbolt.PAGE_HEADER_SIZE);
        long stored = Bbolt.getLong(header, 0);
        if (stored != id) {
            throw new BboltFormatException("bbolt: page " + id + " claims to be page " + stored);
        }
        long overflow = Bbolt.getInt(header, 12) & 0xffffffffL;
        if (id + overflow >= pages || (overflow + 1) * pageSize > Integer.MAX_VALUE - 64) {
            throw new BboltFormatException("bbolt: page " + id + " overflows past the last page");
        }
        byte[] bytes = read(channel, length, id * pageSize, (overflow + 1) * pageSize);
        return new Node(id, Bbolt.getShort(header, 8), Bbolt.getShort(header, 10), (int) overflow, bytes);
    }

    private static Node inlineNode(byte[] bucketValue) throws BboltFormatException {
        byte[] bytes = Arrays.copyOfRange(bucketValue, Bbolt.BUCKET_HEADER_SIZE, bucketValue.length);
        if (bytes.length < Bbolt.PAGE_HEADER_SIZE) {
            throw new BboltFormatException("bbolt: inline bucket of " + bytes.length + " bytes");
        }
        return new Node(0, Bbolt.getShort(bytes, 8), Bbolt.getShort(bytes, 10), 0, bytes);
    }

    private void visitBucket(byte[] header, BitSet reached, ElementVisitor visitor) throws IOException {
        if (header.length < Bbolt.BUCKET_HEADER_SIZE) {
            throw new BboltFormatException("bbolt: bucket header of " + header.length + " bytes");
        }
        long bucketRoot = Bbolt.getLong(header, 0);
        byte[][] last = new byte[1][];
        if (bucketRoot == 0) {
            visitNode(inlineNode(header), reached, 0, last, visitor);
        } else {
            walk(bucketRoot, reached, 0, last, visitor);
        }
    }

    private void walk(long id, BitSet reached, int depth, byte[][] last, ElementVisitor visitor) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new BboltFormatException("bbolt: tree deeper than " + MAX_DEPTH + " at page " + id);
        }
        Node node = node(id);
        if (reached != null) {
            markPages(reached, id, node.overflow);
        }
        visitNode(node, reached, depth, last, visitor);
    }

    private void visitNode(Node node, BitSet reached, int depth, byte[][] last, ElementVisitor visitor)
            throws IOException {
        byte[] b = node.bytes;
        int elements = Bbolt.PAGE_HEADER_SIZE;
        if ((long) elements + (long) node.count * Bbolt.LEAF_ELEMENT_SIZE > b.length) {
            throw new BboltFormatException("bbolt: page " + node.id + " holds more elements than fit");
        }
        if (node.branch()) {
            for (int i = 0; i < node.count; i++) {
                int e = elements + i * Bbolt.BRANCH_ELEMENT_SIZE;
                walk(Bbolt.getLong(b, e + 8), reached, depth + 1, last, visitor);
            }
        } else if (node.leaf()) {
            for (int i = 0; i < node.count; i++) {
                int e = elements + i * Bbolt.LEAF_ELEMENT_SIZE;
                int flags = Bbolt.getInt(b, e);
                long pos = e + (Bbolt.getInt(b, e + 4) & 0xffffffffL);
                long keySize = Bbolt.getInt(b, e + 8) & 0xffffffffL;
                long valueSize = Bbolt.getInt(b, e + 12) & 0xffffffffL;
                if (pos + keySize + valueSize > b.length) {
                    throw new BboltFormatException("bbolt: page " + node.id + " element " + i + " lies past the page");
                }
                byte[] key = Arrays.copyOfRange(b, (int) pos, (int) (pos + keySize));
                byte[] value = Arrays.copyOfRange(b, (int) (pos + keySize), (int) (pos + keySize + valueSize));
                if (last[0] != null && Arrays.compareUnsigned(last[0], key) >= 0) {
                    throw new BboltFormatException("bbolt: page " + node.id + ": keys out of order");
                }
                last[0] = key;
                visitor.visit(key, value, flags);
            }
        } else {
            throw new BboltFormatException("page " + node.id + ": invalid type: " + Integer.toHexString(node.flags));
        }
    }

    private void checkBucketTree(long treeRoot, BitSet reached, BitSet free, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new BboltFormatException("bbolt: buckets nested deeper than " + MAX_DEPTH);
        }
        List<byte[]> nested = new ArrayList<>();
        walk(treeRoot, reached, 0, new byte[1][], (key, value, flags) -> {
            if ((flags & Bbolt.BUCKET_LEAF_FLAG) != 0) {
                nested.add(value);
            }
        });
        for (int i = 0; i < nested.size(); i++) {
            byte[] header = nested.get(i);
            if (header.length < Bbolt.BUCKET_HEADER_SIZE) {
                throw new BboltFormatException("bbolt: bucket header of " + header.length + " bytes");
            }
            long bucketRoot = Bbolt.getLong(header, 0);
            if (bucketRoot == 0) {
                List<byte[]> inner = new ArrayList<>();
                visitNode(inlineNode(header), reached, 0, new byte[1][], (key, value, flags) -> {
                    if ((flags & Bbolt.BUCKET_LEAF_FLAG) != 0) {
                        inner.add(value);
                    }
                });
                if (!inner.isEmpty()) {
                    throw new BboltFormatException("bbolt: an inline bucket holds buckets");
                }
            } else {
                if (free.get((int) bucketRoot)) {
                    throw new BboltFormatException("page " + bucketRoot + ": reachable freed");
                }
                checkBucketTree(bucketRoot, reached, free, depth + 1);
            }
        }
    }

    private void markPages(BitSet reached, long id, int overflow) throws BboltFormatException {
        for (long p = id; p <= id + overflow; p++) {
            if (reached.get((int) p)) {
                throw new BboltFormatException("page " + p + ": multiple references");
            }
            reached.set((int) p);
        }
    }

    private void readFreelist(BitSet free) throws IOException {
        Node node = node(freelist);
        if ((node.flags & Bbolt.FREELIST_PAGE_FLAG) == 0) {
            throw new BboltFormatException("bbolt: page " + freelist + " is not a freelist");
        }
        long count = node.count;
        int start = Bbolt.PAGE_HEADER_SIZE;
        if (count == 0xFFFF) {
            count = Bbolt.getLong(node.bytes, start);
            start += 8;
        }
        if (start + count * 8 > node.bytes.length) {
            throw new BboltFormatException("bbolt: freelist of " + count + " ids past its pages");
        }
        for (int i = 0; i < count; i++) {
            long id = Bbolt.getLong(node.bytes, start + i * 8);
            if (id < 2 || id >= pages) {
                throw new BboltFormatException("bbolt: freelist names page " + id + " out of bounds");
            }
            if (free.get((int) id)) {
                throw new BboltFormatException("page " + id + ": already freed");
            }
            free.set((int) id);
        }
    }

    private static byte[] read(FileChannel channel, long length, long offset, long size) throws IOException {
        if (offset < 0 || size < 0 || offset + size > length) {
            throw new BboltFormatException("bbolt: read of " + size + " bytes at " + offset + " past the end ("
                    + length + " bytes)");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new BboltFormatException("bbolt: file ends at " + (offset + buffer.position()));
            }
        }
        return buffer.array();
    }

    static String printable(byte[] key) {
        return new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }
}
