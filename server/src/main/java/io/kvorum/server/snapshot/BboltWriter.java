package io.kvorum.server.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a bbolt database file, sequentially, from top-level buckets whose entries come in
 * ascending key order, in memory bounded by a few pages whatever the data's size.
 *
 * <p>bbolt's first pages (the two metas) name the root tree's page and the page count, which
 * are known only once every bucket is laid out; so the writer makes two passes over the same
 * entries: {@link #plan} lays the file out counting pages, {@link #write} writes it. The entries
 * must therefore read the same both times, as those of one point-in-time read view do. The plan
 * also gives the file's exact size before its first byte, which etcd's snapshot stream sends.
 *
 * <p>Layout: metas (pages 0 and 1), an empty freelist (page 2), each bucket's tree in name
 * order, then the root tree holding each bucket's header. Every page is reachable, none is free,
 * as bbolt's consistency check requires. Buckets are never inline: bbolt reads either.
 */
public final class BboltWriter {

    /** Receives a bucket's entries. */
    @FunctionalInterface
    public interface EntrySink {
        void accept(byte[] key, byte[] value) throws IOException;
    }

    /** A bucket's entries in ascending key order, the same on every call. */
    @FunctionalInterface
    public interface Entries {
        void forEach(EntrySink sink) throws IOException;
    }

    /** A top-level bucket. */
    public record Bucket(byte[] name, Entries entries) {
    }

    /**
     * The layout of a file.
     *
     * @param pages        the page count (the high-water mark)
     * @param root         the root tree's page
     * @param bucketRoots  each bucket's root page, in the order of the buckets
     * @param entries      the entries across all buckets
     */
    public record Plan(long pages, long root, long[] bucketRoots, long entries) {
        /** The file's size in bytes. */
        public long size() {
            return pages * Bbolt.PAGE_SIZE;
        }
    }

    private static final long FREELIST_PAGE = 2;
    private static final long FIRST_DATA_PAGE = 3;

    private BboltWriter() {
    }

    /** Lays the file out without writing it. Bucket names must be distinct and ascending. */
    public static Plan plan(List<Bucket> buckets) throws IOException {
        checkNames(buckets);
        return layout(buckets, new PageOut(null, FIRST_DATA_PAGE));
    }

    /**
     * Writes the file laid out by {@code plan} from the same buckets.
     *
     * @throws IllegalStateException when the entries read differently from the plan's pass
     */
    public static void write(List<Bucket> buckets, Plan plan, OutputStream out) throws IOException {
        checkNames(buckets);
        byte[] page = new byte[Bbolt.PAGE_SIZE];
        for (int i = 0; i < 2; i++) {
            meta(page, i, plan);
            out.write(page);
        }
        Arrays.fill(page, (byte) 0);
        Bbolt.pageHeader(page, FREELIST_PAGE, Bbolt.FREELIST_PAGE_FLAG, 0, 0);
        out.write(page);
        Plan written = layout(buckets, new PageOut(out, FIRST_DATA_PAGE));
        if (written.pages() != plan.pages() || written.root() != plan.root()
                || !Arrays.equals(written.bucketRoots(), plan.bucketRoots())) {
            throw new IllegalStateException("bbolt: the entries changed between the plan and the write");
        }
    }

    private static Plan layout(List<Bucket> buckets, PageOut out) throws IOException {
        long[] roots = new long[buckets.size()];
        long entries = 0;
        for (int i = 0; i < roots.length; i++) {
            TreeBuilder tree = new TreeBuilder(out);
            buckets.get(i).entries().forEach((key, value) -> tree.add(key, value, 0));
            roots[i] = tree.finish();
            entries += tree.entries();
        }
        TreeBuilder rootTree = new TreeBuilder(out);
        for (int i = 0; i < roots.length; i++) {
            byte[] header = new byte[Bbolt.BUCKET_HEADER_SIZE];
            Bbolt.putLong(header, 0, roots[i]);
            rootTree.add(buckets.get(i).name(), header, Bbolt.BUCKET_LEAF_FLAG);
        }
        long root = rootTree.finish();
        return new Plan(out.next(), root, roots, entries);
    }

    private static void meta(byte[] page, long id, Plan plan) {
        Arrays.fill(page, (byte) 0);
        Bbolt.pageHeader(page, id, Bbolt.META_PAGE_FLAG, 0, 0);
        int m = Bbolt.PAGE_HEADER_SIZE;
        Bbolt.putInt(page, m, Bbolt.MAGIC);
        Bbolt.putInt(page, m + 4, Bbolt.VERSION);
        Bbolt.putInt(page, m + 8, Bbolt.PAGE_SIZE);
        Bbolt.putInt(page, m + 12, 0);
        Bbolt.putLong(page, m + 16, plan.root());
        Bbolt.putLong(page, m + 24, 0);
        Bbolt.putLong(page, m + 32, FREELIST_PAGE);
        Bbolt.putLong(page, m + 40, plan.pages());
        Bbolt.putLong(page, m + 48, id);
        Bbolt.putLong(page, m + 56, Bbolt.fnv64a(page, m, Bbolt.META_CHECKSUMMED_SIZE));
    }

    private static void checkNames(List<Bucket> buckets) {
        List<byte[]> names = new ArrayList<>();
        for (Bucket bucket : buckets) {
            if (!names.isEmpty() && Arrays.compareUnsigned(names.get(names.size() - 1), bucket.name()) >= 0) {
                throw new IllegalArgumentException("bbolt: bucket names must be distinct and ascending");
            }
            names.add(bucket.name());
        }
    }
}
