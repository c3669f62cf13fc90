/**
 * The {@code sqlite} backend: every bucket in one table of one SQLite database, read views over
 * read transactions of pooled connections. Start with {@link io.kvorum.backend.sqlite.SqliteBackend}.
 */
package io.kvorum.backend.sqlite;
