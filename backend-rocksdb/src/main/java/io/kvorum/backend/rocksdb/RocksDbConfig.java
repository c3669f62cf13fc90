package io.kvorum.backend.rocksdb;

import io.kvorum.spi.plugin.PluginOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.rocksdb.CompressionType;

/**
 * The backend's tuning, read once from its plugin options ({@code --backend-opt name=value}).
 *
 * @param blockCacheBytes   LRU cache for uncompressed blocks, shared by every bucket; 0 for none
 * @param writeBufferBytes  memtable size of each bucket before it is flushed to a file
 * @param compression       block compression of every file
 * @param bloomBitsPerKey   bloom filter size, so point reads of absent keys skip files; 0 for none
 * @param maxBackgroundJobs threads for flushes and compactions
 */
record RocksDbConfig(
        long blockCacheBytes,
        long writeBufferBytes,
        CompressionType compression,
        int bloomBitsPerKey,
        int maxBackgroundJobs) {

    static final String BLOCK_CACHE_BYTES = "block-cache-bytes";
    static final String WRITE_BUFFER_BYTES = "write-buffer-bytes";
    static final String COMPRESSION = "compression";
    static final String BLOOM_BITS_PER_KEY = "bloom-bits-per-key";
    static final String MAX_BACKGROUND_JOBS = "max-background-jobs";

    static final long DEFAULT_BLOCK_CACHE_BYTES = 128L << 20;
    static final long DEFAULT_WRITE_BUFFER_BYTES = 64L << 20;
    static final int DEFAULT_BLOOM_BITS_PER_KEY = 10;

    /** RocksDB refuses smaller memtables. */
    private static final long MIN_WRITE_BUFFER_BYTES = 64L << 10;

    private static final Map<String, CompressionType> COMPRESSIONS = Map.of(
            "none", CompressionType.NO_COMPRESSION,
            "snappy", CompressionType.SNAPPY_COMPRESSION,
            "lz4", CompressionType.LZ4_COMPRESSION,
            "zstd", CompressionType.ZSTD_COMPRESSION);

    /** Option name to a one-line description, in the order {@code kvorum --help} shows them. */
    static final Map<String, String> OPTIONS = describeOptions();

    RocksDbConfig {
        if (blockCacheBytes < 0) {
            throw invalid(BLOCK_CACHE_BYTES, "must be 0 or more", blockCacheBytes);
        }
        if (writeBufferBytes < MIN_WRITE_BUFFER_BYTES) {
            throw invalid(WRITE_BUFFER_BYTES, "must be at least " + MIN_WRITE_BUFFER_BYTES, writeBufferBytes);
        }
        if (bloomBitsPerKey < 0 || bloomBitsPerKey > 64) {
            throw invalid(BLOOM_BITS_PER_KEY, "must be between 0 and 64", bloomBitsPerKey);
        }
        if (maxBackgroundJobs < 1 || maxBackgroundJobs > 256) {
            throw invalid(MAX_BACKGROUND_JOBS, "must be between 1 and 256", maxBackgroundJobs);
        }
    }

    static RocksDbConfig defaults() {
        return from(PluginOptions.empty());
    }

    static RocksDbConfig from(PluginOptions options) {
        Set<String> unknown = new TreeSet<>(options.asMap().keySet());
        unknown.removeAll(OPTIONS.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "unknown rocksdb backend option(s) " + unknown + "; known: " + OPTIONS.keySet());
        }
        String compression = options.get(COMPRESSION, "lz4").trim().toLowerCase(Locale.ROOT);
        if (!COMPRESSIONS.containsKey(compression)) {
            throw new IllegalArgumentException("rocksdb backend option " + COMPRESSION
                    + " must be one of none, snappy, lz4, zstd; was: " + compression);
        }
        return new RocksDbConfig(
                options.getLong(BLOCK_CACHE_BYTES, DEFAULT_BLOCK_CACHE_BYTES),
                options.getLong(WRITE_BUFFER_BYTES, DEFAULT_WRITE_BUFFER_BYTES),
                COMPRESSIONS.get(compression),
                toInt(BLOOM_BITS_PER_KEY, options.getLong(BLOOM_BITS_PER_KEY, DEFAULT_BLOOM_BITS_PER_KEY)),
                toInt(MAX_BACKGROUND_JOBS, options.getLong(MAX_BACKGROUND_JOBS, defaultBackgroundJobs())));
    }

    /** Enough threads that a long compaction never holds up flushes, without crowding a small host. */
    private static int defaultBackgroundJobs() {
        return Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    private static Map<String, String> describeOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(BLOCK_CACHE_BYTES, "bytes of LRU block cache shared by all buckets (default "
                + DEFAULT_BLOCK_CACHE_BYTES + "; 0 disables it)");
        options.put(WRITE_BUFFER_BYTES, "bytes of memtable per bucket before it is flushed to disk (default "
                + DEFAULT_WRITE_BUFFER_BYTES + ")");
        options.put(COMPRESSION, "block compression: none, snappy, lz4 or zstd (default lz4)");
        options.put(BLOOM_BITS_PER_KEY, "bloom filter bits per key, speeding reads of absent keys (default "
                + DEFAULT_BLOOM_BITS_PER_KEY + "; 0 disables it)");
        options.put(MAX_BACKGROUND_JOBS, "threads for flushes and compactions (default: processors, 2 to 8)");
        return Collections.unmodifiableMap(options);
    }

    private static int toInt(String option, long value) {
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw invalid(option, "is out of range", value);
        }
        return (int) value;
    }

    private static IllegalArgumentException invalid(String option, String rule, long value) {
        return new IllegalArgumentException("rocksdb backend option " + option + " " + rule + "; was: " + value);
    }
}
