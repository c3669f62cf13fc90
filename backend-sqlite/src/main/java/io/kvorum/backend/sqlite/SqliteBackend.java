package io.kvorum.backend.sqlite;

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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * kvorum's buckets in one SQLite database in WAL mode: table {@code bucket} names each bucket by a
 * number, table {@code entry} holds every bucket's keys under that number, keyed by
 * {@code (bucket, key)} without a rowid, so the entries of a bucket are one contiguous run of the
 * table's B-tree, in key order. SQLite compares BLOBs with {@code memcmp}, which is the SPI's
 * unsigned byte order, so a range scan is one indexed {@code key >= ? AND key < ?}. One table
 * rather than one per bucket keeps the statements fixed: they are prepared once per connection,
 * and creating a bucket is a row, not a schema change that would make every connection prepare
 * its statements again.
 *
 * <p>Writes: one writer connection; a commit is one transaction. Durable commits run under
 * {@code synchronous = FULL} (the WAL is fsynced before the commit returns), the others under
 * {@code NORMAL} (atomic, not fsynced). A restore is one transaction too, so a crash in the middle
 * of one leaves the old contents, whole.
 *
 * <p>Reads: each read view holds a pooled reader connection with a read transaction open, which
 * in WAL mode is a snapshot that commits, restores and defragmenting never disturb.
 *
 * <p>Threads: commits, restores, bucket creation and each step of defragment are serialised by
 * {@link #writeLock} (the server commits from its apply loop anyway). Read views, sizes and
 * snapshots may run on any thread at any time.
 */
final class SqliteBackend implements Backend {
    /** Marks the database file as this backend's: "KVRM" in SQLite's application id field. */
    private static final int APPLICATION_ID = 0x4b56524d;
    /** The schema below; kept in SQLite's user version field. */
    private static final int SCHEMA_VERSION = 1;
    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE bucket (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
            "CREATE TABLE entry (bucket INTEGER NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL,"
                    + " PRIMARY KEY (bucket, key)) WITHOUT ROWID",
            "PRAGMA application_id = " + APPLICATION_ID,
            "PRAGMA user_version = " + SCHEMA_VERSION);
    /** Pages given back per step of defragment, so commits wait at most one step (4 MiB of 4 KiB pages). */
    private static final int VACUUM_STEP_PAGES = 1024;

    private final DatabaseFile file;
    private final SqliteConfig config;
    private final ReaderPool readers;
    /** Bucket numbers, only ever added to; published before the commit that records them. */
    private final Map<Bucket, Long> buckets;

    private final ReentrantLock writeLock = new ReentrantLock();
    /** The writer and its statements. Guarded by {@link #writeLock}. */
    private final Connection writer;
    private final PreparedStatement begin;
    private final PreparedStatement commit;
    private final PreparedStatement rollback;
    private final PreparedStatement put;
    private final PreparedStatement delete;
    private final PreparedStatement deleteRange;
    private final PreparedStatement deleteAll;
    private final PreparedStatement addBucket;
    /** Guarded by {@link #writeLock}. */
    private boolean syncsFull;
    /** Guarded by {@link #writeLock}. */
    private long nextBucketId;

    /** Views not yet closed, so that closing the backend can close those its users forgot. */
    private final Set<SqliteReadView> openViews = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private SqliteBackend(DatabaseFile file, SqliteConfig config, Connection writer, Map<Bucket, Long> buckets)
            throws SQLException {
        this.file = file;
        this.config = config;
        this.readers = new ReaderPool(file, config.readerPoolSize());
        this.buckets = new ConcurrentHashMap<>(buckets);
        this.nextBucketId = 1 + buckets.values().stream().mapToLong(Long::longValue).max().orElse(0);
        this.writer = writer;
        begin = writer.prepareStatement("BEGIN IMMEDIATE");
        commit = writer.prepareStatement("COMMIT");
        rollback = writer.prepareStatement("ROLLBACK");
        put = writer.prepareStatement("INSERT INTO entry (bucket, key, value) VALUES (?, ?, ?)"
                + " ON CONFLICT (bucket, key) DO UPDATE SET value = excluded.value");
        delete = writer.prepareStatement("DELETE FROM entry WHERE bucket = ? AND key = ?");
        deleteRange = writer.prepareStatement("DELETE FROM entry WHERE bucket = ? AND key >= ? AND key < ?");
        deleteAll = writer.prepareStatement("DELETE FROM entry");
        addBucket = writer.prepareStatement("INSERT INTO bucket (id, name) VALUES (?, ?)");
    }

    /** Opens the database in {@code context.directory()}, creating it and the context's buckets as needed. */
    static SqliteBackend open(BackendContext context) throws IOException {
        SqliteConfig config = SqliteConfig.from(context.options());
        Files.createDirectories(context.directory());
        DatabaseFile file = new DatabaseFile(context.directory(), config);
        Connection writer;
        try {
            writer = file.openWriter();
        } catch (SQLException e) {
            throw failure("open " + file.path(), e);
        }
        try {
            SqliteBackend backend = new SqliteBackend(file, config, writer, prepareSchema(writer, file.path()));
            backend.createBuckets(context.buckets());
            return backend;
        } catch (SQLException e) {
            throw closeAfterFailure(writer, failure("open " + file.path(), e));
        } catch (IOException e) {
            throw closeAfterFailure(writer, e);
        } catch (RuntimeException e) {
            throw closeAfterFailure(writer, e);
        }
    }

    private static <E extends Exception> E closeAfterFailure(Connection writer, E failure) {
        try {
            writer.close();
        } catch (SQLException closing) {
            failure.addSuppressed(closing);
        }
        return failure;
    }

    /** Creates the schema in a new file, or checks that an existing one is this backend's; returns its buckets. */
    private static Map<Bucket, Long> prepareSchema(Connection writer, Path path) throws SQLException, IOException {
        try (Statement statement = writer.createStatement()) {
            long applicationId = single(statement, "PRAGMA application_id");
            if (applicationId == 0) {
                if (single(statement, "SELECT count(*) FROM sqlite_schema") != 0) {
                    throw new IOException(path + " holds a SQLite database that this backend did not create");
                }
                statement.execute("BEGIN IMMEDIATE");
                for (String step : SCHEMA) {
                    statement.execute(step);
                }
                statement.execute("COMMIT");
            } else if (applicationId != APPLICATION_ID) {
                throw new IOException(path + " holds a SQLite database that this backend did not create");
            } else {
                long version = single(statement, "PRAGMA user_version");
                if (version != SCHEMA_VERSION) {
                    throw new IOException(path + " holds data in schema version " + version
                            + "; this backend reads " + SCHEMA_VERSION);
                }
            }
            Map<Bucket, Long> buckets = new HashMap<>();
            try (ResultSet rows = statement.executeQuery("SELECT name, id FROM bucket")) {
                while (rows.next()) {
                    buckets.put(new Bucket(rows.getString(1)), rows.getLong(2));
                }
            }
            return buckets;
        }
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                throw new SQLException(sql + " answered nothing");
            }
            return rows.getLong(1);
        }
    }

    private void createBuckets(List<Bucket> wanted) throws IOException {
        writeLock.lock();
        try {
            Map<Bucket, Long> created = new HashMap<>();
            inTransaction(created, () -> {
                for (Bucket bucket : wanted) {
                    bucketForWrite(bucket, created);
                }
            });
        } catch (SQLException e) {
            throw failure("create buckets " + wanted, e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public WriteBatch newBatch() {
        checkOpen();
        return new SqliteWriteBatch(this);
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) throws IOException {
        Objects.requireNonNull(batch, "batch");
        if (!(batch instanceof SqliteWriteBatch changes) || !changes.belongsTo(this)) {
            throw new IllegalArgumentException("batch was not made by this backend's newBatch()");
        }
        try {
            List<SqliteWriteBatch.Change> list = changes.changes();
            writeLock.lock();
            try {
                checkOpen();
                syncFull(durable || config.syncEveryCommit());
                Map<Bucket, Long> created = new HashMap<>();
                inTransaction(created, () -> {
                    for (SqliteWriteBatch.Change change : list) {
                        apply(change, created);
                    }
                });
            } catch (SQLException e) {
                throw failure("commit a batch of " + list.size(), e);
            } finally {
                writeLock.unlock();
            }
        } finally {
            changes.close();
        }
    }

    private void apply(SqliteWriteBatch.Change change, Map<Bucket, Long> created) throws SQLException {
        switch (change.kind()) {
            case PUT -> {
                put.setLong(1, bucketForWrite(change.bucket(), created));
                put.setBytes(2, change.key());
                put.setBytes(3, change.value());
                put.executeUpdate();
            }
            case DELETE -> {
                Long id = buckets.get(change.bucket());
                if (id != null) {
                    delete.setLong(1, id);
                    delete.setBytes(2, change.key());
                    delete.executeUpdate();
                }
            }
            case DELETE_RANGE -> {
                Long id = buckets.get(change.bucket());
                if (id != null && Arrays.compareUnsigned(change.key(), change.to()) < 0) {
                    deleteRange.setLong(1, id);
                    deleteRange.setBytes(2, change.key());
                    deleteRange.setBytes(3, change.to());
                    deleteRange.executeUpdate();
                }
            }
        }
    }

    /** Work on the writer inside one transaction. */
    @FunctionalInterface
    private interface Work {
        void run() throws SQLException, IOException;
    }

    /**
     * Runs {@code work} in one write transaction. On failure the transaction is rolled back and
     * the bucket numbers it published ({@code created}) are withdrawn. Called under {@link #writeLock}.
     */
    private void inTransaction(Map<Bucket, Long> created, Work work) throws SQLException, IOException {
        begin.execute();
        try {
            work.run();
            commit.execute();
        } catch (SQLException | IOException | RuntimeException e) {
            try {
                rollback.execute();
            } catch (SQLException rollingBack) {
                e.addSuppressed(rollingBack);
            }
            created.keySet().forEach(buckets::remove);
            throw e;
        }
    }

    /**
     * The number of {@code bucket}, recorded in the open transaction on first use. The number is
     * published at once: a view whose snapshot predates the commit finds no rows under it anyway.
     */
    private long bucketForWrite(Bucket bucket, Map<Bucket, Long> created) throws SQLException {
        Long id = buckets.get(bucket);
        if (id != null) {
            return id;
        }
        long fresh = nextBucketId++;
        addBucket.setLong(1, fresh);
        addBucket.setString(2, bucket.name());
        addBucket.executeUpdate();
        created.put(bucket, fresh);
        buckets.put(bucket, fresh);
        return fresh;
    }

    /** Sets how the next commit syncs; a pragma only takes effect between transactions. */
    private void syncFull(boolean full) throws SQLException {
        if (full != syncsFull) {
            try (Statement pragma = writer.createStatement()) {
                pragma.execute(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            }
            syncsFull = full;
        }
    }

    /** The number of {@code bucket}, or null if it was never written. */
    Long bucketId(Bucket bucket) {
        return buckets.get(bucket);
    }

    @Override
    public ReadView readView() {
        return openView();
    }

    private SqliteReadView openView() {
        checkOpen();
        Reader reader;
        try {
            reader = readers.borrow();
        } catch (SQLException e) {
            throw new UncheckedIOException(failure("open a reader connection", e));
        }
        try {
            reader.begin();
        } catch (SQLException e) {
            IOException failed = failure("start a read transaction", e);
            closeQuietly(reader, failed);
            throw new UncheckedIOException(failed);
        }
        SqliteReadView view = new SqliteReadView(this, reader);
        openViews.add(view);
        if (closed) {
            // close() may have swept openViews before the add above
            view.close();
        }
        return view;
    }

    /** Ends a view's transaction and takes its reader back; called once per view. */
    void viewClosed(SqliteReadView view, Reader reader) {
        openViews.remove(view);
        try {
            reader.end();
            readers.giveBack(reader);
        } catch (SQLException e) {
            IOException failed = failure("end a read transaction", e);
            closeQuietly(reader, failed);
            throw new UncheckedIOException(failed);
        }
    }

    private static void closeQuietly(Reader reader, Exception failure) {
        try {
            reader.close();
        } catch (SQLException closing) {
            failure.addSuppressed(closing);
        }
    }

    /** The database file and its WAL. */
    @Override
    public long size() {
        checkOpen();
        try {
            return file.bytesOnDisk();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The database's pages that are not on its free list, at most {@link #size()}. */
    @Override
    public long sizeInUse() {
        checkOpen();
        long inUse;
        try {
            Reader reader = readers.borrow();
            try {
                reader.begin();
                try {
                    inUse = (reader.pragma("page_count") - reader.pragma("freelist_count"))
                            * reader.pragma("page_size");
                } finally {
                    reader.end();
                }
            } catch (SQLException e) {
                closeQuietly(reader, e);
                throw e;
            }
            readers.giveBack(reader);
        } catch (SQLException e) {
            throw new UncheckedIOException(failure("count the pages in use", e));
        }
        return Math.min(inUse, size());
    }

    /**
     * Gives free pages back to the file system a step at a time ({@code PRAGMA incremental_vacuum}),
     * each step a transaction of its own, so commits wait for one step at most and readers not at
     * all; then checkpoints the WAL into the database file, which truncates both as far as the
     * views still open allow. Entries are not moved into key order: SQLite's B-tree pages are
     * reused in place, so what grows with deletes is the free list, and that is what this reclaims.
     */
    @Override
    public void defragment() throws IOException {
        long previousFree = Long.MAX_VALUE;
        while (true) {
            writeLock.lock();
            try (Statement statement = writer.createStatement()) {
                checkOpen();
                long free = single(statement, "PRAGMA freelist_count");
                // a step that frees nothing would free nothing again (the pragma is a no-op in a
                // file without incremental auto-vacuum); stop there rather than spin
                if (free == 0 || free >= previousFree) {
                    checkpoint(statement);
                    return;
                }
                previousFree = free;
                statement.execute("PRAGMA incremental_vacuum(" + VACUUM_STEP_PAGES + ")");
            } catch (SQLException e) {
                throw failure("defragment", e);
            } finally {
                writeLock.unlock();
            }
        }
    }

    /** Copies the WAL into the database and empties it, without waiting for views that still need it. */
    private static void checkpoint(Statement statement) throws SQLException {
        statement.execute("PRAGMA busy_timeout = 0");
        try {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } finally {
            statement.execute("PRAGMA busy_timeout = " + DatabaseFile.BUSY_TIMEOUT_MILLIS);
        }
    }

    /** Writes an image in {@link SnapshotFormat}, from one read transaction across all buckets. */
    @Override
    public void snapshot(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        try (BackendSnapshot image = openSnapshot()) {
            image.writeTo(out);
        }
    }

    /**
     * A read transaction held open on a reader connection of its own, as a read view holds: opening
     * reads nothing but the WAL index. Until it is closed, checkpoints stop at the first commit it
     * does not see, so the WAL grows with the commits made meanwhile.
     */
    @Override
    public BackendSnapshot openSnapshot() {
        SqliteReadView view = openView();
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
     * Replaces the contents with the image in one durable transaction: every entry is deleted, the
     * image's are inserted, and only once its trailer and checksum have been verified is the
     * transaction committed. On any error, or a crash meanwhile, the old contents stay. Buckets
     * the image does not name are empty afterwards. SQLite spills the transaction's pages to the
     * WAL as its cache fills, so memory stays bounded whatever the image's size; views opened
     * before keep seeing the old contents.
     */
    @Override
    public void restore(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        writeLock.lock();
        try {
            checkOpen();
            syncFull(true);
            Map<Bucket, Long> created = new HashMap<>();
            inTransaction(created, () -> {
                deleteAll.executeUpdate();
                SnapshotFormat.read(in, new SnapshotFormat.Sink() {
                    @Override
                    public void bucket(Bucket bucket) throws IOException {
                        try {
                            put.setLong(1, bucketForWrite(bucket, created));
                        } catch (SQLException e) {
                            throw failure("restore bucket " + bucket.name(), e);
                        }
                    }

                    @Override
                    public void entry(byte[] key, byte[] value) throws IOException {
                        try {
                            put.setBytes(2, key);
                            put.setBytes(3, value);
                            put.executeUpdate();
                        } catch (SQLException e) {
                            throw failure("restore an entry", e);
                        }
                    }
                });
            });
        } catch (SQLException e) {
            throw failure("restore", e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Closes the views still open (each after a read running on it), the readers, then the writer,
     * which as the last connection checkpoints the WAL into the database file and syncs it, so
     * that commits that were not durable survive the machine from here on. Idempotent.
     */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failed = null;
            for (SqliteReadView view : openViews) {
                try {
                    view.close();
                } catch (UncheckedIOException e) {
                    failed = collect(failed, e.getCause());
                }
            }
            try {
                readers.close();
            } catch (SQLException e) {
                failed = collect(failed, failure("close the readers of " + file.path(), e));
            }
            try {
                writer.close();
            } catch (SQLException e) {
                failed = collect(failed, failure("close " + file.path(), e));
            }
            if (failed != null) {
                throw failed;
            }
        } finally {
            writeLock.unlock();
        }
    }

    private static IOException collect(IOException failed, IOException next) {
        if (failed == null) {
            return next;
        }
        failed.addSuppressed(next);
        return failed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the sqlite backend at " + file.path() + " is closed");
        }
    }

    static IOException failure(String action, SQLException e) {
        return new IOException("sqlite: could not " + action + ": " + e.getMessage(), e);
    }
}
