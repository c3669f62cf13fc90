package io.kvorum.backend.sqlite;

import io.kvorum.spi.plugin.PluginOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The backend's tuning, read once from its plugin options ({@code --backend-opt name=value}).
 *
 * @param cacheSizeBytes    page cache of each connection (the writer and every pooled reader)
 * @param mmapSizeBytes     how much of the database file each connection reads through a memory
 *                          map instead of read calls; 0 for none
 * @param readerPoolSize    reader connections kept open between read views
 * @param syncEveryCommit   whether commits the server does not ask to be durable are fsynced too
 */
record SqliteConfig(long cacheSizeBytes, long mmapSizeBytes, int readerPoolSize, boolean syncEveryCommit) {

    static final String CACHE_SIZE_BYTES = "cache-size-bytes";
    static final String MMAP_SIZE_BYTES = "mmap-size-bytes";
    static final String READER_POOL_SIZE = "reader-pool-size";
    static final String SYNCHRONOUS = "synchronous";

    static final long DEFAULT_CACHE_SIZE_BYTES = 16L << 20;
    static final long DEFAULT_MMAP_SIZE_BYTES = 256L << 20;
    static final int DEFAULT_READER_POOL_SIZE = 4;

    private static final int MAX_READER_POOL_SIZE = 1024;

    /** SQLite counts its cache in KiB when given a negative size; less than a few pages is useless. */
    private static final long MIN_CACHE_SIZE_BYTES = 64L << 10;

    /** Option name to a one-line description, in the order {@code kvorum --help} shows them. */
    static final Map<String, String> OPTIONS = describeOptions();

    SqliteConfig {
        if (cacheSizeBytes < MIN_CACHE_SIZE_BYTES) {
            throw invalid(CACHE_SIZE_BYTES, "must be at least " + MIN_CACHE_SIZE_BYTES, cacheSizeBytes);
        }
        if (mmapSizeBytes < 0) {
            throw invalid(MMAP_SIZE_BYTES, "must be 0 or more", mmapSizeBytes);
        }
    }

    static SqliteConfig from(PluginOptions options) {
        Set<String> unknown = new TreeSet<>(options.asMap().keySet());
        unknown.removeAll(OPTIONS.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown sqlite backend option(s) " + unknown + "; known: " + OPTIONS.keySet());
        }
        String synchronous = options.get(SYNCHRONOUS, "normal").trim().toLowerCase(Locale.ROOT);
        if (!synchronous.equals("normal") && !synchronous.equals("full")) {
            throw new IllegalArgumentException("sqlite backend option " + SYNCHRONOUS
                    + " must be normal or full; was: " + synchronous);
        }
        // checked here rather than in the record, before it is narrowed to an int
        long readers = options.getLong(READER_POOL_SIZE, DEFAULT_READER_POOL_SIZE);
        if (readers < 1 || readers > MAX_READER_POOL_SIZE) {
            throw invalid(READER_POOL_SIZE, "must be between 1 and " + MAX_READER_POOL_SIZE, readers);
        }
        return new SqliteConfig(
                options.getLong(CACHE_SIZE_BYTES, DEFAULT_CACHE_SIZE_BYTES),
                options.getLong(MMAP_SIZE_BYTES, DEFAULT_MMAP_SIZE_BYTES),
                (int) readers,
                synchronous.equals("full"));
    }

    /** The value of {@code PRAGMA cache_size}: negative means KiB rather than pages. */
    long cacheSizePragma() {
        return -(cacheSizeBytes >> 10);
    }

    private static Map<String, String> describeOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(CACHE_SIZE_BYTES, "bytes of page cache per connection, the writer's and each reader's (default "
                + DEFAULT_CACHE_SIZE_BYTES + ")");
        options.put(MMAP_SIZE_BYTES, "bytes of the database file read through a memory map (default "
                + DEFAULT_MMAP_SIZE_BYTES + "; 0 reads with system calls only)");
        options.put(READER_POOL_SIZE, "reader connections kept open between read views; more open while more views"
                + " are in use (default " + DEFAULT_READER_POOL_SIZE + ")");
        options.put(SYNCHRONOUS, "normal: only commits asked to be durable are fsynced, the others are atomic but"
                + " may be lost with the machine; full: every commit is fsynced (default normal)");
        return Collections.unmodifiableMap(options);
    }

    private static IllegalArgumentException invalid(String option, String rule, long value) {
        return new IllegalArgumentException("sqlite backend option " + option + " " + rule + "; was: " + value);
    }
}
