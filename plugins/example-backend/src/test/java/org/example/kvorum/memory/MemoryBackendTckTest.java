package org.example.kvorum.memory;

import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.tck.backend.BackendTck;

/** The memory backend against kvorum's backend TCK, with its default options. */
class MemoryBackendTckTest extends BackendTck {
    @Override
    protected BackendProvider provider() {
        return new MemoryBackendProvider();
    }
}
