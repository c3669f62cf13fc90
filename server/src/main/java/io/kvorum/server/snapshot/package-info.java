/**
 * etcd's snapshot file: a bbolt database with etcd's buckets, written by kvorum's own bbolt
 * writer from a point-in-time read view, and read back by its own bbolt reader. Start at
 * {@link io.kvorum.server.snapshot.BboltWriter} (the file format) and
 * {@link io.kvorum.server.snapshot.EtcdSnapshot} (which buckets, from where).
 */
package io.kvorum.server.snapshot;
