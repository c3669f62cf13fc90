package io.kvorum.backend.sqlite;

import java.sql.SQLException;
import java.util.concurrent.LinkedBlockingDeque;

/**
 * Reader connections kept open between uses. Borrowing never waits: when none is idle a new one
 * is opened, and a returned one beyond the pool's size is closed. So a thread that holds several
 * read views at once cannot deadlock against the pool, and the pool's size bounds only what stays
 * open while idle.
 *
 * <p>Safe for any number of threads. The most recently returned connection is lent first, as its
 * page cache is the warmest.
 */
final class ReaderPool implements AutoCloseable {
    private final DatabaseFile file;
    private final LinkedBlockingDeque<Reader> idle;
    private volatile boolean closed;

    ReaderPool(DatabaseFile file, int size) {
        this.file = file;
        this.idle = new LinkedBlockingDeque<>(size);
    }

    Reader borrow() throws SQLException {
        if (closed) {
            throw new IllegalStateException("the reader pool of " + file.path() + " is closed");
        }
        Reader reader = idle.pollFirst();
        return reader != null ? reader : new Reader(file.openReader());
    }

    /** Takes back a reader that has no transaction open. */
    void giveBack(Reader reader) throws SQLException {
        if (!idle.offerFirst(reader)) {
            reader.close();
        }
        if (closed) {
            // close() may have drained the pool before the offer above
            drain();
        }
    }

    /** Closes the idle readers now, and each borrowed one when it is given back. */
    @Override
    public void close() throws SQLException {
        closed = true;
        drain();
    }

    private void drain() throws SQLException {
        SQLException failed = null;
        for (Reader reader = idle.pollFirst(); reader != null; reader = idle.pollFirst()) {
            try {
                reader.close();
            } catch (SQLException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
