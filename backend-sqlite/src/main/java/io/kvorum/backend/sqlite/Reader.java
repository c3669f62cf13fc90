package io.kvorum.backend.sqlite;

import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView.EntryVisitor;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A reader connection and its statements, prepared once. Used by one thread at a time: a read
 * view that holds it serialises its readers, the pool hands it to one borrower.
 *
 * <p>A read transaction pins a snapshot: {@link #begin()} starts one and reads, because SQLite
 * takes the snapshot at a transaction's first read, not at its {@code BEGIN}; {@link #end()} lets
 * it go, so the WAL can be checkpointed past it.
 */
final class Reader implements AutoCloseable {
    private static final String GET = "SELECT value FROM entry WHERE bucket = ? AND key = ?";
    /** Every bucket of the snapshot, by name, so that two images of the same contents are the same bytes. */
    private static final String BUCKETS = "SELECT name, id FROM bucket ORDER BY name";

    private final Connection connection;
    private final PreparedStatement begin;
    private final PreparedStatement pin;
    private final PreparedStatement end;
    private final PreparedStatement get;
    /** Indexed by {@link #scanIndex}: forward or reverse, with or without an upper bound. */
    private final PreparedStatement[] scans = new PreparedStatement[4];

    Reader(Connection connection) throws SQLException {
        this.connection = connection;
        try {
            begin = connection.prepareStatement("BEGIN DEFERRED");
            pin = connection.prepareStatement("SELECT count(*) FROM bucket");
            end = connection.prepareStatement("ROLLBACK");
            get = connection.prepareStatement(GET);
            for (boolean reverse : new boolean[] {false, true}) {
                for (boolean bounded : new boolean[] {false, true}) {
                    scans[scanIndex(reverse, bounded)] = connection.prepareStatement(scanSql(reverse, bounded));
                }
            }
        } catch (SQLException e) {
            try {
                connection.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** Starts a read transaction and takes its snapshot now. */
    void begin() throws SQLException {
        begin.execute();
        try (ResultSet rows = pin.executeQuery()) {
            rows.next();
        }
    }

    void end() throws SQLException {
        end.execute();
    }

    /** The value of a key, or null. */
    byte[] get(long bucket, byte[] key) throws SQLException {
        get.setLong(1, bucket);
        get.setBytes(2, key);
        try (ResultSet rows = get.executeQuery()) {
            return rows.next() ? rows.getBytes(1) : null;
        }
    }

    /**
     * Visits {@code from <= key < to} (no upper bound when {@code to} is null) in key order or its
     * reverse. {@code nested} asks for a statement of its own, for a scan started by the visitor
     * of another scan on this reader (the cached statement is still being stepped).
     */
    void scan(long bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor, boolean nested)
            throws SQLException {
        boolean bounded = to != null;
        PreparedStatement scan = nested
                ? connection.prepareStatement(scanSql(reverse, bounded))
                : scans[scanIndex(reverse, bounded)];
        try {
            int parameter = 1;
            scan.setLong(parameter++, bucket);
            scan.setBytes(parameter++, from);
            if (bounded) {
                scan.setBytes(parameter++, to);
            }
            // SQLite reads a negative limit as none
            scan.setLong(parameter, limit > 0 ? limit : -1);
            try (ResultSet rows = scan.executeQuery()) {
                while (rows.next()) {
                    if (!visitor.visit(rows.getBytes(1), rows.getBytes(2))) {
                        return;
                    }
                }
            }
        } finally {
            if (nested) {
                scan.close();
            }
        }
    }

    /** Writes every bucket of the current transaction's snapshot to {@code image}. */
    void copyTo(SnapshotFormat.Writer image) throws SQLException, IOException {
        Map<String, Long> buckets = new LinkedHashMap<>();
        try (PreparedStatement names = connection.prepareStatement(BUCKETS); ResultSet rows = names.executeQuery()) {
            while (rows.next()) {
                buckets.put(rows.getString(1), rows.getLong(2));
            }
        }
        for (var bucket : buckets.entrySet()) {
            image.bucket(new Bucket(bucket.getKey()));
            PreparedStatement all = scans[scanIndex(false, false)];
            all.setLong(1, bucket.getValue());
            all.setBytes(2, new byte[0]);
            all.setLong(3, -1);
            try (ResultSet rows = all.executeQuery()) {
                while (rows.next()) {
                    image.entry(rows.getBytes(1), rows.getBytes(2));
                }
            }
        }
    }

    /** Runs a pragma that answers one number (inside the current transaction, if one is open). */
    long pragma(String name) throws SQLException {
        try (PreparedStatement pragma = connection.prepareStatement("PRAGMA " + name);
                ResultSet rows = pragma.executeQuery()) {
            if (!rows.next()) {
                throw new SQLException("PRAGMA " + name + " answered nothing");
            }
            return rows.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    private static int scanIndex(boolean reverse, boolean bounded) {
        return (reverse ? 2 : 0) + (bounded ? 1 : 0);
    }

    static String scanSql(boolean reverse, boolean bounded) {
        return "SELECT key, value FROM entry WHERE bucket = ? AND key >= ?"
                + (bounded ? " AND key < ?" : "")
                + " ORDER BY key" + (reverse ? " DESC" : "")
                + " LIMIT ?";
    }
}
