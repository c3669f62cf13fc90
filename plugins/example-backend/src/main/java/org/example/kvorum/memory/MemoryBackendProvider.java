package org.example.kvorum.memory;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --backend memory}: every key in memory, every commit appended to {@code memory.log} first.
 * Opening replays the log, so memory must hold the whole data set; each commit copies the buckets
 * it changes, so it suits small data sets: it is an example of the SPI, not a store to run.
 */
public final class MemoryBackendProvider implements BackendProvider {
    static final String SYNC = "sync";

    /** Required by {@link java.util.ServiceLoader}. */
    public MemoryBackendProvider() {
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String description() {
        return "Example plugin: keys in memory, commits in an append-only log file.";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(SYNC, "when the log is fsynced: 'durable' (default), for the commits that must be"
                + " durable; 'always', for every commit");
    }

    @Override
    public Backend open(BackendContext context) throws IOException {
        Set<String> unknown = new TreeSet<>(context.options().asMap().keySet());
        unknown.removeAll(options().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown memory backend option(s) " + unknown + "; known: " + options().keySet());
        }
        String sync = context.options().get(SYNC, "durable");
        boolean always = switch (sync) {
            case "durable" -> false;
            case "always" -> true;
            default -> throw new IllegalArgumentException("memory backend option " + SYNC
                    + " must be 'durable' or 'always'; was: " + sync);
        };
        return MemoryBackend.open(context.directory(), always);
    }
}
