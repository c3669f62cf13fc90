package io.kvorum.backend.rocksdb;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LogFile;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

/**
 * kvorum's buckets in one RocksDB database, one column family per bucket.
 *
 * <p>Which column family holds which bucket is recorded in the default column family (see
 * {@link Catalog}). That indirection is what makes {@link #restore} atomic for readers: the image is
 * loaded into fresh column families in batches of a few MiB, so memory stays bounded whatever its
 * size, and every bucket is switched over to them by one durable write only once the whole image has
 * been read and its checksum verified. A crash before that write leaves the old contents, and the
 * half-loaded column families are dropped at the next open.
 *
 * <p>Threads: commits, restores and the creation of a bucket's column family are serialised by
 * {@link #catalogLock} (the server issues them from its apply loop anyway). Read views, sizes,
 * defragment and snapshot may run on any thread at any time. Native memory is freed through
 * reference counts, so closing a view or the backend never frees it under a thread still reading.
 */
final class RocksDbBackend implements Backend {
    static {
        RocksDB.loadLibrary();
    }

    private static final String DEFAULT_FAMILY = "default";
    /** Marks a directory as this backend's, and the layout of its default column family. */
    private static final byte[] FORMAT_KEY = "format".getBytes(US_ASCII);
    private static final byte[] FORMAT = "kvorum-rocksdb/1".getBytes(US_ASCII);
    /** How much of an image a restore buffers before writing it. */
    private static final long RESTORE_BATCH_BYTES = 4L << 20;

    private final Path directory;
    private final NativeOptions options;
    private final RocksDB db;
    /** RocksDB's default column family, which holds the catalog records and nothing else. */
    private final ColumnFamilyHandle catalogFamily;

    private final ReentrantLock catalogLock = new ReentrantLock();
    /** Replaced only by a restore, under {@link #catalogLock}. */
    private volatile Catalog current;
    /** Guarded by {@link #catalogLock}. */
    private long nextFamilySerial;

    /** Views not yet freed, so that closing the backend can close those its users forgot. */
    private final Set<RocksDbReadView> openViews = ConcurrentHashMap.newKeySet();
    private final CountDownLatch drained = new CountDownLatch(1);
    /** Operations in progress and views not yet freed; closing waits for them to drain. */
    private final ReferenceCount users = new ReferenceCount(drained::countDown);
    private final CountDownLatch closed = new CountDownLatch(1);

    private RocksDbBackend(Path directory, NativeOptions options, RocksDB db, ColumnFamilyHandle catalogFamily,
            Catalog catalog, long nextFamilySerial) {
        this.directory = directory;
        this.options = options;
        this.db = db;
        this.catalogFamily = catalogFamily;
        this.current = catalog;
        this.nextFamilySerial = nextFamilySerial;
    }

    /** Opens the database in {@code context.directory()}, creating it and the context's buckets as needed. */
    static RocksDbBackend open(BackendContext context) throws IOException {
        RocksDbConfig config = RocksDbConfig.from(context.options());
        Path directory = context.directory();
        Files.createDirectories(directory);
        NativeOptions options = new NativeOptions(config);
        RocksDbBackend backend;
        try {
            backend = openDatabase(directory, options);
        } catch (IOException | RuntimeException e) {
            options.close();
            throw e;
        }
        try {
            for (Bucket bucket : context.buckets()) {
                backend.familyForWrite(backend.current, bucket);
            }
        } catch (UncheckedIOException e) {
            throw closeAfterFailure(backend, e.getCause());
        } catch (RuntimeException e) {
            throw closeAfterFailure(backend, e);
        }
        return backend;
    }

    private static <E extends Exception> E closeAfterFailure(RocksDbBackend backend, E failure) {
        try {
            backend.close();
        } catch (IOException closing) {
            failure.addSuppressed(closing);
        }
        return failure;
    }

    private static RocksDbBackend openDatabase(Path directory, NativeOptions options) throws IOException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (byte[] name : existingFamilies(directory)) {
            descriptors.add(new ColumnFamilyDescriptor(name, options.family()));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            db = RocksDB.open(options.database(), directory.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            throw failure("open " + directory, e);
        }
        try {
            Map<String, ColumnFamilyHandle> byName = new HashMap<>();
            for (int i = 0; i < descriptors.size(); i++) {
                byName.put(new String(descriptors.get(i).getName(), US_ASCII), handles.get(i));
            }
            long nextSerial = 1 + byName.keySet().stream()
                    .map(Catalog::serialOf)
                    .flatMap(Optional::stream)
                    .mapToLong(Long::longValue)
                    .max().orElse(0);
            ColumnFamilyHandle catalogFamily = byName.remove(DEFAULT_FAMILY);
            checkFormat(db, options, catalogFamily, directory, byName.isEmpty());

            Map<Bucket, Catalog.Family> families = new HashMap<>();
            for (Map.Entry<Bucket, String> record : readCatalog(db, catalogFamily).entrySet()) {
                ColumnFamilyHandle handle = byName.remove(record.getValue());
                if (handle == null) {
                    throw new IOException(directory + ": bucket " + record.getKey().name()
                            + " is recorded in column family " + record.getValue() + ", which does not exist");
                }
                families.put(record.getKey(), new Catalog.Family(record.getValue(), handle));
            }
            // what is left was never recorded: a restore or a bucket creation cut short by a crash
            for (ColumnFamilyHandle unrecorded : byName.values()) {
                db.dropColumnFamily(unrecorded);
                unrecorded.close();
            }
            return new RocksDbBackend(directory, options, db, catalogFamily, new Catalog(families), nextSerial);
        } catch (RocksDBException e) {
            closeAfterFailedOpen(db, handles);
            throw failure("open " + directory, e);
        } catch (IOException | RuntimeException e) {
            closeAfterFailedOpen(db, handles);
            throw e;
        }
    }

    private static void closeAfterFailedOpen(RocksDB db, List<ColumnFamilyHandle> handles) {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
    }

    /** RocksDB must be opened with every column family it has; a new database has only the default one. */
    private static List<byte[]> existingFamilies(Path directory) throws IOException {
        if (!Files.exists(directory.resolve("CURRENT"))) {
            return List.of(RocksDB.DEFAULT_COLUMN_FAMILY);
        }
        try (Options listing = new Options()) {
            return RocksDB.listColumnFamilies(listing, directory.toString());
        } catch (RocksDBException e) {
            throw failure("list the column families in " + directory, e);
        }
    }

    private static void checkFormat(RocksDB db, NativeOptions options, ColumnFamilyHandle catalogFamily,
            Path directory, boolean onlyDefaultFamily) throws IOException, RocksDBException {
        byte[] format = db.get(catalogFamily, FORMAT_KEY);
        if (format == null) {
            if (!onlyDefaultFamily || !isEmpty(db, catalogFamily)) {
                throw new IOException(directory + " holds a RocksDB database that this backend did not create");
            }
            db.put(catalogFamily, options.writes(true), FORMAT_KEY, FORMAT);
        } else if (!Arrays.equals(format, FORMAT)) {
            throw new IOException(directory + " holds data in format " + new String(format, US_ASCII)
                    + "; this backend reads " + new String(FORMAT, US_ASCII));
        }
    }

    private static boolean isEmpty(RocksDB db, ColumnFamilyHandle family) {
        try (RocksIterator entries = db.newIterator(family)) {
            entries.seekToFirst();
            return !entries.isValid();
        }
    }

    private static Map<Bucket, String> readCatalog(RocksDB db, ColumnFamilyHandle catalogFamily)
            throws RocksDBException {
        Map<Bucket, String> records = new LinkedHashMap<>();
        try (Slice start = new Slice(Catalog.recordsStart());
                Slice end = new Slice(Catalog.recordsEnd());
                ReadOptions bounded = new ReadOptions().setIterateLowerBound(start).setIterateUpperBound(end);
                RocksIterator entries = db.newIterator(catalogFamily, bounded)) {
            for (entries.seekToFirst(); entries.isValid(); entries.next()) {
                records.put(Catalog.bucketOfRecord(entries.key()), new String(entries.value(), US_ASCII));
            }
            entries.status();
        }
        return records;
    }

    @Override
    public WriteBatch newBatch() {
        enter();
        try {
            return new RocksDbWriteBatch(this, retainCurrent());
        } finally {
            exit();
        }
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) throws IOException {
        Objects.requireNonNull(batch, "batch");
        if (!(batch instanceof RocksDbWriteBatch changes) || !changes.belongsTo(this)) {
            throw new IllegalArgumentException("batch was not made by this backend's newBatch()");
        }
        try {
            enter();
            catalogLock.lock();
            try {
                if (changes.catalog() != current) {
                    throw new IllegalStateException("the backend was restored after this batch was started");
                }
                // a sync write also makes every earlier write durable: the WAL is one sequence
                db.write(options.writes(durable), changes.changes());
            } catch (RocksDBException e) {
                throw failure("commit a batch of " + changes.size(), e);
            } finally {
                catalogLock.unlock();
                exit();
            }
        } finally {
            changes.close();
        }
    }

    @Override
    public ReadView readView() {
        return openView();
    }

    private RocksDbReadView openView() {
        enter();
        RocksDbReadView view;
        try {
            Catalog catalog = retainCurrent();
            try {
                view = new RocksDbReadView(this, db, catalog, db.getSnapshot());
            } catch (RuntimeException e) {
                catalog.release();
                throw e;
            }
        } catch (RuntimeException e) {
            exit();
            throw e;
        }
        // from here the view owns the reference taken by enter(), and gives it back when freed
        openViews.add(view);
        if (users.isClosed()) {
            // close() may have swept openViews before the add above; it must not wait on this view
            view.close();
        }
        return view;
    }

    /** Called once per view, when its snapshot has been released. */
    void viewFreed(RocksDbReadView view) {
        openViews.remove(view);
        exit();
    }

    @Override
    public long size() {
        enter();
        try {
            long bytes = db.getAggregatedLongProperty("rocksdb.total-sst-files-size")
                    + db.getAggregatedLongProperty("rocksdb.total-blob-file-size");
            for (LogFile wal : db.getSortedWalFiles()) {
                bytes += wal.sizeFileBytes();
            }
            return bytes;
        } catch (RocksDBException e) {
            throw new UncheckedIOException(failure("measure the files", e));
        } finally {
            exit();
        }
    }

    /** The bytes of blocks the block cache holds now (what a scan left in it, for tests). */
    long blockCacheUsage() {
        return options.blockCacheUsage();
    }

    /** Live data in files plus what is still only in memtables (and the WAL), at most {@link #size()}. */
    @Override
    public long sizeInUse() {
        enter();
        try {
            long live = db.getAggregatedLongProperty("rocksdb.estimate-live-data-size")
                    + db.getAggregatedLongProperty("rocksdb.live-blob-file-size")
                    + db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables");
            return Math.min(live, size());
        } catch (RocksDBException e) {
            throw new UncheckedIOException(failure("estimate the live data", e));
        } finally {
            exit();
        }
    }

    /** Compacts every column family fully; reads and background work go on meanwhile. */
    @Override
    public void defragment() throws IOException {
        enter();
        Catalog catalog = retainCurrent();
        try (CompactRangeOptions full = new CompactRangeOptions()
                .setExclusiveManualCompaction(false)
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)) {
            db.compactRange(catalogFamily, null, null, full);
            for (ColumnFamilyHandle family : catalog.handles()) {
                db.compactRange(family, null, null, full);
            }
        } catch (RocksDBException e) {
            throw failure("compact", e);
        } finally {
            catalog.release();
            exit();
        }
    }

    /** Writes an image in {@link SnapshotFormat}, from one RocksDB snapshot across all buckets. */
    @Override
    public void snapshot(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        try (BackendSnapshot image = openSnapshot()) {
            image.writeTo(out);
        }
    }

    /**
     * A RocksDB snapshot across all buckets, as a read view takes: opening costs no I/O. Until it
     * is closed, compactions keep the versions it sees, so the files may grow meanwhile.
     */
    @Override
    public BackendSnapshot openSnapshot() {
        RocksDbReadView view = openView();
        return new BackendSnapshot() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                Objects.requireNonNull(out, "out");
                SnapshotFormat.Writer image = new SnapshotFormat.Writer(out);
                view.copyTo(image);
                image.finish();
            }

            @Override
            public void close() {
                view.close();
            }
        };
    }

    /**
     * Loads the image into fresh column families, then switches every bucket to them at once.
     * Buckets the image does not name are empty afterwards. On any error, including a checksum
     * mismatch found at the end, the fresh column families are dropped and nothing has changed.
     */
    @Override
    public void restore(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        enter();
        try {
            Map<Bucket, Catalog.Family> loaded;
            try (ImageLoader loader = new ImageLoader()) {
                SnapshotFormat.read(in, loader);
                loaded = loader.finish();
            }
            switchTo(loaded);
        } finally {
            exit();
        }
    }

    /** Writes an image's entries into new column families, in bounded batches. */
    private final class ImageLoader implements SnapshotFormat.Sink, AutoCloseable {
        private final Map<Bucket, Catalog.Family> families = new LinkedHashMap<>();
        private final org.rocksdb.WriteBatch pending = new org.rocksdb.WriteBatch();
        private ColumnFamilyHandle target;
        private boolean finished;

        @Override
        public void bucket(Bucket bucket) throws IOException {
            Catalog.Family family = createFamily(bucket);
            families.put(bucket, family);
            target = family.handle();
        }

        @Override
        public void entry(byte[] key, byte[] value) throws IOException {
            try {
                pending.put(target, key, value);
                if (pending.getDataSize() >= RESTORE_BATCH_BYTES) {
                    writePending();
                }
            } catch (RocksDBException e) {
                throw failure("load a snapshot", e);
            }
        }

        /** Makes everything loaded durable (it bypassed the WAL) and hands the families over. */
        Map<Bucket, Catalog.Family> finish() throws IOException {
            try (FlushOptions wait = new FlushOptions().setWaitForFlush(true)) {
                writePending();
                if (!families.isEmpty()) {
                    db.flush(wait, families.values().stream().map(Catalog.Family::handle).toList());
                }
            } catch (RocksDBException e) {
                throw failure("load a snapshot", e);
            }
            finished = true;
            return families;
        }

        private void writePending() throws RocksDBException {
            if (pending.count() > 0) {
                db.write(options.bulkLoadWrites(), pending);
                pending.clear();
            }
        }

        @Override
        public void close() throws IOException {
            pending.close();
            if (!finished) {
                dropFamilies(families.values());
            }
        }
    }

    /** Makes {@code loaded} the contents: one durable write of the catalog records, then a swap. */
    private void switchTo(Map<Bucket, Catalog.Family> loaded) throws IOException {
        catalogLock.lock();
        try {
            Catalog previous = current;
            try (org.rocksdb.WriteBatch records = new org.rocksdb.WriteBatch()) {
                for (Bucket bucket : previous.buckets()) {
                    records.delete(catalogFamily, Catalog.recordKey(bucket));
                }
                for (Map.Entry<Bucket, Catalog.Family> bucket : loaded.entrySet()) {
                    records.put(catalogFamily, Catalog.recordKey(bucket.getKey()), bucket.getValue().nameBytes());
                }
                db.write(options.writes(true), records);
            } catch (RocksDBException e) {
                dropFamilies(loaded.values());
                throw failure("record the restored buckets", e);
            }
            current = new Catalog(loaded);
            try {
                // dropped column families stay readable through their handles, which the views
                // opened before the switch hold until they close
                db.dropColumnFamilies(previous.handles());
            } catch (RocksDBException e) {
                throw failure("drop the replaced column families (the next open drops them)", e);
            } finally {
                previous.retire();
            }
        } finally {
            catalogLock.unlock();
        }
    }

    /** The column family of {@code bucket} in {@code catalog}, created (and recorded) on first use. */
    ColumnFamilyHandle familyForWrite(Catalog catalog, Bucket bucket) {
        ColumnFamilyHandle family = catalog.find(bucket);
        return family != null ? family : createBucket(catalog, bucket);
    }

    private ColumnFamilyHandle createBucket(Catalog catalog, Bucket bucket) {
        enter();
        catalogLock.lock();
        try {
            if (catalog != current) {
                throw new IllegalStateException("the backend was restored after this batch was started");
            }
            ColumnFamilyHandle existing = catalog.find(bucket);
            if (existing != null) {
                return existing;
            }
            Catalog.Family family = createFamily(bucket);
            try {
                db.put(catalogFamily, options.writes(true), Catalog.recordKey(bucket), family.nameBytes());
            } catch (RocksDBException e) {
                dropFamilies(List.of(family));
                throw failure("record bucket " + bucket.name(), e);
            }
            catalog.add(bucket, family);
            return family.handle();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            catalogLock.unlock();
            exit();
        }
    }

    /** A new, empty column family for {@code bucket}, not yet recorded in the catalog. */
    private Catalog.Family createFamily(Bucket bucket) throws IOException {
        catalogLock.lock();
        try {
            String name = Catalog.familyName(bucket, nextFamilySerial++);
            ColumnFamilyHandle handle = db.createColumnFamily(
                    new ColumnFamilyDescriptor(name.getBytes(US_ASCII), options.family()));
            return new Catalog.Family(name, handle);
        } catch (RocksDBException e) {
            throw failure("create a column family for bucket " + bucket.name(), e);
        } finally {
            catalogLock.unlock();
        }
    }

    private void dropFamilies(Iterable<Catalog.Family> families) throws IOException {
        IOException failed = null;
        for (Catalog.Family family : families) {
            try {
                db.dropColumnFamily(family.handle());
            } catch (RocksDBException e) {
                IOException dropping = failure("drop column family " + family.name(), e);
                if (failed == null) {
                    failed = dropping;
                } else {
                    failed.addSuppressed(dropping);
                }
            } finally {
                family.handle().close();
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Stops new operations, closes the views still open, waits for running operations and reads
     * to finish, then closes the database. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (!users.close()) {
            awaitUninterruptibly(closed);
            return;
        }
        try {
            openViews.forEach(RocksDbReadView::close);
            awaitUninterruptibly(drained);
            catalogLock.lock();
            try {
                current.retire();
                closeDatabase();
            } finally {
                catalogLock.unlock();
                options.close();
            }
        } finally {
            closed.countDown();
        }
    }

    private void closeDatabase() throws IOException {
        IOException failed = null;
        try {
            // non-durable commits already survive the process; this makes them survive the machine
            db.syncWal();
        } catch (RocksDBException e) {
            failed = failure("sync the WAL of " + directory, e);
        }
        try {
            db.closeE();
        } catch (RocksDBException e) {
            IOException closing = failure("close " + directory, e);
            if (failed == null) {
                failed = closing;
            } else {
                failed.addSuppressed(closing);
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    private Catalog retainCurrent() {
        while (true) {
            Catalog catalog = current;
            if (catalog.tryRetain()) {
                return catalog;
            }
            // a restore retired it a moment ago and has already installed its successor
        }
    }

    private void enter() {
        if (!users.tryRetain()) {
            throw new IllegalStateException("the rocksdb backend at " + directory + " is closed");
        }
    }

    private void exit() {
        users.release();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    static IOException failure(String action, RocksDBException e) {
        return new IOException("rocksdb: could not " + action + ": " + e.getMessage(), e);
    }
}
