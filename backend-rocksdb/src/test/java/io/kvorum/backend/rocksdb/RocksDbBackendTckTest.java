package io.kvorum.backend.rocksdb;

import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.tck.backend.BackendTck;
import java.util.Map;

/** The rocksdb backend against the backend TCK. */
class RocksDbBackendTckTest extends BackendTck {
    @Override
    protected BackendProvider provider() {
        return new RocksDbBackendProvider();
    }

    /** Small memtables, so that the TCK's few MiB reach the files. */
    @Override
    protected Map<String, String> options() {
        return Map.of("write-buffer-bytes", String.valueOf(1 << 20));
    }
}
