/**
 * The {@code rocksdb} backend: one column family per bucket, read views over RocksDB snapshots.
 * Start with {@link io.kvorum.backend.rocksdb.RocksDbBackend}.
 */
package io.kvorum.backend.rocksdb;
