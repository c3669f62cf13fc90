package io.kvorum.server.mvcc;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.tck.backend.BackendSnapshotTck;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The server tests' in-memory backend holds to the TCK's snapshot part, so that what the tests of
 * the apply loop show about images holds for the real backends too. Its "disk" is the backend last
 * opened on a directory, restarted.
 */
class InMemoryBackendTckTest extends BackendSnapshotTck {
    private final Map<Path, InMemoryBackend> disks = new HashMap<>();

    @Override
    protected BackendProvider provider() {
        return new BackendProvider() {
            @Override
            public String name() {
                return "server-test-in-memory";
            }

            @Override
            public Backend open(BackendContext context) {
                InMemoryBackend previous = disks.get(context.directory());
                InMemoryBackend opened = previous == null ? new InMemoryBackend() : previous.restart();
                disks.put(context.directory(), opened);
                return opened;
            }
        };
    }
}
