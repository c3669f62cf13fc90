package io.kvorum.backend.rocksdb;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import java.io.IOException;
import java.util.Map;

/** The {@code rocksdb} backend, kvorum's default. Found by {@link java.util.ServiceLoader}. */
public final class RocksDbBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "rocksdb";
    }

    @Override
    public String description() {
        return "RocksDB: one column family per bucket, LSM storage with block cache and bloom filters (default)";
    }

    @Override
    public Map<String, String> options() {
        return RocksDbConfig.OPTIONS;
    }

    @Override
    public Backend open(BackendContext context) throws IOException {
        return RocksDbBackend.open(context);
    }
}
