package io.kvorum.consensus.raft.core;

import java.util.List;
import java.util.Objects;

/**
 * What a node needs done, collected by {@link RawNode#ready()}. The application handles it in
 * this order, then calls {@link RawNode#advance(Ready)}:
 * <ol>
 *   <li>optionally, send the first messages that {@link #sendableBeforePersisting} allows;</li>
 *   <li>persist {@link #snapshot()} (if not empty), then {@link #entries()}, then
 *       {@link #hardState()} (if not empty), with an fsync when {@link #mustSync()};</li>
 *   <li>send the rest of {@link #messages()}; only now, since they may acknowledge what step 2 persisted
 *       (a vote, appended entries, and the leader's own copy of what it commits). A
 *       {@link MessageType#SNAP} carries the stored snapshot, which may predate the recipient's
 *       joining; replace it with one of the state machine as applied now (index, term and
 *       configuration as of the applied index), as etcd's server does, or a member added after
 *       the last snapshot can never catch up;</li>
 *   <li>restore the state machine from {@link #snapshot()}, then apply
 *       {@link #committedEntries()}, handing conf changes to {@link RawNode#applyConfChange};</li>
 *   <li>serve the reads of {@link #readStates()} once their index is applied.</li>
 * </ol>
 *
 * @param softState        the node's leader and role now
 * @param hardState        term, vote and commit to persist; {@link HardState#EMPTY} when unchanged
 * @param readStates       answers to read requests
 * @param entries          entries to append to stable storage (may overwrite its tail)
 * @param snapshot         a snapshot from the leader to persist and restore; empty if none
 * @param committedEntries entries to apply, in order
 * @param messages         messages to send
 * @param mustSync         whether the write must be synced (term, vote or entries changed)
 */
public record Ready(SoftState softState, HardState hardState, List<ReadState> readStates, List<LogEntry> entries,
                    Snapshot snapshot, List<LogEntry> committedEntries, List<Message> messages, boolean mustSync) {
    public Ready {
        Objects.requireNonNull(softState, "softState");
        Objects.requireNonNull(hardState, "hardState");
        Objects.requireNonNull(snapshot, "snapshot");
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        committedEntries = List.copyOf(committedEntries);
        messages = List.copyOf(messages);
    }

    /**
     * How many of the first {@link #messages()} may be sent before step 1 rather than after it, so
     * that a leader's disk write and its followers' run at the same time (Raft thesis §10.2.1, as
     * etcd's server does): the longest run of leading appends and heartbeats whose commit index
     * is at most {@code persistedLastIndex}, the last index already on stable storage before this
     * Ready.
     *
     * <p>An append may carry entries the leader has not persisted yet: they are not committed,
     * since a commit needs the acknowledgement of a follower, and the application steps no
     * message between sending these and persisting this Ready (it must not). The leader counts its own copy at once, though, so with
     * a single voter the commit index can pass what is durable; a message carrying such a commit
     * (to a learner) waits for step 2. Everything else (votes, acknowledgements, read answers, a
     * transfer's timeout) waits too, and a leading run keeps the messages' order.
     */
    public int sendableBeforePersisting(long persistedLastIndex) {
        int n = 0;
        for (Message m : messages) {
            boolean early = (m.type() == MessageType.APP || m.type() == MessageType.HEARTBEAT)
                    && m.commit() <= persistedLastIndex;
            if (!early) {
                break;
            }
            n++;
        }
        return n;
    }
}
