/**
 * A second storage backend: kvorum's buckets in one SQLite database in WAL mode.
 * Reached only through {@link io.kvorum.spi.backend.BackendProvider}, so nothing is exported.
 */
module io.kvorum.backend.sqlite {
    requires io.kvorum.spi;
    requires java.sql;
    requires org.xerial.sqlitejdbc;

    provides io.kvorum.spi.backend.BackendProvider with io.kvorum.backend.sqlite.SqliteBackendProvider;
}
