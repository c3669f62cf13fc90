/**
 * etcd's snapshot file: a bbolt database with etcd's buckets, written by kvorum's own bbolt
 * writer from a point-in-time read view, and read back by its own bbolt reader; and etcd's data
 * dir, whose database and write-ahead log a migration reads. Start at
 * {@link io.kvorum.server.snapshot.BboltWriter} (the file format),
 * {@link io.kvorum.server.snapshot.EtcdSnapshot} (which buckets, from where),
 * {@link io.kvorum.server.snapshot.SnapshotRestore} and
 * {@link io.kvorum.server.snapshot.EtcdMigration} (into a kvorum data dir).
 */
package io.kvorum.server.snapshot;
