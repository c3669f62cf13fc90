/**
 * The storage backend contract: an ordered byte-key store with named buckets, atomic write batches
 * and consistent read views. It knows nothing of revisions; MVCC lives in the server.
 */
package io.kvorum.spi.backend;
