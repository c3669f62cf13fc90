package io.kvorum.backend.sqlite;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import java.io.IOException;
import java.util.Map;

/** The {@code sqlite} backend. Found by {@link java.util.ServiceLoader}. */
public final class SqliteBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String description() {
        return "SQLite in WAL mode: one file, one writer connection, pooled reader connections";
    }

    @Override
    public Map<String, String> options() {
        return SqliteConfig.OPTIONS;
    }

    @Override
    public Backend open(BackendContext context) throws IOException {
        return SqliteBackend.open(context);
    }
}
