/**
 * etcd's auto-compaction ({@code --auto-compaction-mode}, {@code --auto-compaction-retention}): the
 * leader's compactors, which propose compactions through the log as a client's Compact would.
 * Start with {@link io.kvorum.server.compaction.AutoCompaction}; the compactors take their clock
 * from outside and run one tick at a time, so tests drive them with a fake clock.
 */
package io.kvorum.server.compaction;
