package io.kvorum.backend.sqlite;

import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.tck.backend.BackendTck;

/** The sqlite backend against the backend TCK, with its default options. */
class SqliteBackendTckTest extends BackendTck {
    @Override
    protected BackendProvider provider() {
        return new SqliteBackendProvider();
    }
}
