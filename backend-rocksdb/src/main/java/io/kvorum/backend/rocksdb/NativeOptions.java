package io.kvorum.backend.rocksdb;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB option objects built from a {@link RocksDbConfig}. They live in native memory, are
 * shared by every column family and must outlive the database, so the backend closes them last.
 */
final class NativeOptions implements AutoCloseable {
    /** Larger than RocksDB's 4 KiB: a smaller index per file, at the same one read per lookup. */
    private static final long BLOCK_BYTES = 16L << 10;
    /** Write smoothly in the background instead of in bursts when a file is closed. */
    private static final long BYTES_PER_SYNC = 1L << 20;

    private final LRUCache blockCache;
    private final BloomFilter bloomFilter;
    private final ColumnFamilyOptions family;
    private final DBOptions database;
    private final WriteOptions durableWrites;
    private final WriteOptions plainWrites;
    private final WriteOptions bulkLoadWrites;

    NativeOptions(RocksDbConfig config) {
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockSize(BLOCK_BYTES);
        if (config.blockCacheBytes() > 0) {
            blockCache = new LRUCache(config.blockCacheBytes());
            table.setBlockCache(blockCache);
        } else {
            blockCache = null;
            table.setNoBlockCache(true);
        }
        if (config.bloomBitsPerKey() > 0) {
            bloomFilter = new BloomFilter(config.bloomBitsPerKey());
            table.setFilterPolicy(bloomFilter);
        } else {
            bloomFilter = null;
        }
        family = new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setCompressionType(config.compression())
                .setWriteBufferSize(config.writeBufferBytes())
                // a third memtable lets writes go on while two wait to be flushed
                .setMaxWriteBufferNumber(3);
        database = new DBOptions()
                .setCreateIfMissing(true)
                .setMaxBackgroundJobs(config.maxBackgroundJobs())
                .setBytesPerSync(BYTES_PER_SYNC)
                // a rarely written bucket (meta, alarm) would otherwise keep every WAL file alive
                // until its own memtable fills; past this total RocksDB flushes it early
                .setMaxTotalWalSize(Math.max(4 * config.writeBufferBytes(), 256L << 20))
                .setKeepLogFileNum(5)
                .setMaxLogFileSize(16L << 20)
                // Reusing finished WAL files keeps a synced append from also having to update the
                // file's size on disk: the same saving etcd gets from preallocating its WAL.
                .setRecycleLogFileNum(4);
        durableWrites = new WriteOptions().setSync(true);
        plainWrites = new WriteOptions().setSync(false);
        // A restore loads column families nobody reads yet and flushes them before using them, so
        // it needs no sync. (It cannot skip the WAL: RocksDB refuses that while WAL files are recycled.)
        bulkLoadWrites = new WriteOptions().setSync(false);
    }

    ColumnFamilyOptions family() {
        return family;
    }

    DBOptions database() {
        return database;
    }

    WriteOptions writes(boolean durable) {
        return durable ? durableWrites : plainWrites;
    }

    WriteOptions bulkLoadWrites() {
        return bulkLoadWrites;
    }

    /** The bytes of blocks the cache holds now; 0 without a cache. */
    long blockCacheUsage() {
        return blockCache == null ? 0 : blockCache.getUsage();
    }

    @Override
    public void close() {
        bulkLoadWrites.close();
        plainWrites.close();
        durableWrites.close();
        database.close();
        family.close();
        if (bloomFilter != null) {
            bloomFilter.close();
        }
        if (blockCache != null) {
            blockCache.close();
        }
    }
}
