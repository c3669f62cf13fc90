/**
 * The {@code memory} backend: an immutable sorted map per bucket, replaced whole by each commit,
 * and an append-only log of commits that rebuilds it at open. Start with
 * {@link org.example.kvorum.memory.MemoryBackendProvider}.
 */
package org.example.kvorum.memory;
