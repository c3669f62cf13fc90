package io.kvorum.backend.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * The backend's one SQLite database file (and the {@code -wal} and {@code -shm} files beside it),
 * and how connections to it are configured.
 */
final class DatabaseFile {
    static final String NAME = "kvorum.db";

    /**
     * How long a connection waits on a lock before it fails. There is one writer, so this is only
     * ever spent on SQLite's brief internal locks (WAL recovery or restart), never on another writer.
     */
    static final int BUSY_TIMEOUT_MILLIS = 10_000;
    /** What a checkpoint leaves of the WAL file, so one large transaction does not keep it large. */
    private static final long WAL_SIZE_LIMIT_BYTES = 64L << 20;

    private final Path path;
    private final Path wal;
    private final SqliteConfig config;

    DatabaseFile(Path directory, SqliteConfig config) {
        this.path = directory.resolve(NAME);
        this.wal = directory.resolve(NAME + "-wal");
        this.config = config;
    }

    Path path() {
        return path;
    }

    /**
     * The one connection that writes, in autocommit mode: the backend starts and ends its
     * transactions itself. It switches the file to WAL mode (which persists in the file), so that
     * readers never wait for it nor it for them.
     */
    Connection openWriter() throws SQLException {
        Connection connection = open();
        try (Statement pragmas = connection.createStatement()) {
            // only takes effect before the first table is created: lets defragment give pages back
            pragmas.execute("PRAGMA auto_vacuum = INCREMENTAL");
            try (var mode = pragmas.executeQuery("PRAGMA journal_mode = WAL")) {
                if (!mode.next() || !mode.getString(1).equalsIgnoreCase("wal")) {
                    throw new SQLException("could not switch " + path + " to WAL mode");
                }
            }
            // WAL + NORMAL: a commit is atomic and survives the process; commits that must survive
            // the machine switch to FULL (see SqliteBackend.commit)
            pragmas.execute("PRAGMA synchronous = NORMAL");
            pragmas.execute("PRAGMA journal_size_limit = " + WAL_SIZE_LIMIT_BYTES);
        } catch (SQLException e) {
            closeAfterFailure(connection, e);
            throw e;
        }
        return connection;
    }

    /** A connection for read views and measurements, refusing writes. */
    Connection openReader() throws SQLException {
        Connection connection = open();
        try (Statement pragmas = connection.createStatement()) {
            pragmas.execute("PRAGMA query_only = 1");
        } catch (SQLException e) {
            closeAfterFailure(connection, e);
            throw e;
        }
        return connection;
    }

    /** The database file plus its WAL, as they are on disk now. */
    long bytesOnDisk() throws IOException {
        return sizeOrZero(path) + sizeOrZero(wal);
    }

    private Connection open() throws SQLException {
        SQLiteConfig settings = new SQLiteConfig();
        settings.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        Connection connection = settings.createConnection("jdbc:sqlite:" + path);
        try (Statement pragmas = connection.createStatement()) {
            pragmas.execute("PRAGMA cache_size = " + config.cacheSizePragma());
            pragmas.execute("PRAGMA mmap_size = " + config.mmapSizeBytes());
        } catch (SQLException e) {
            closeAfterFailure(connection, e);
            throw e;
        }
        return connection;
    }

    private static void closeAfterFailure(Connection connection, SQLException failure) {
        try {
            connection.close();
        } catch (SQLException closing) {
            failure.addSuppressed(closing);
        }
    }

    private static long sizeOrZero(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }
}
