/**
 * The default storage backend: kvorum's buckets as column families of one RocksDB database.
 * Reached only through {@link io.kvorum.spi.backend.BackendProvider}, so nothing is exported.
 */
module io.kvorum.backend.rocksdb {
    requires io.kvorum.spi;
    requires rocksdbjni;

    provides io.kvorum.spi.backend.BackendProvider with io.kvorum.backend.rocksdb.RocksDbBackendProvider;
}
