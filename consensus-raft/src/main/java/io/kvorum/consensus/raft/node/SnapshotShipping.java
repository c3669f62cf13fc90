package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.CompactedException;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.Snapshot;
import io.kvorum.consensus.raft.core.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.kvorum.spi.consensus.StateMachineSnapshot;
import java.util.concurrent.CompletableFuture;

/**
 * Snapshots of a member: taking one every {@code --snapshot-count} applied entries (and releasing
 * the log before it), installing one the leader sent, and writing and shipping one to a follower.
 *
 * <p><b>Sending.</b> The core asks for its stored snapshot to be sent, but the state machine can
 * only write its state as of its applied index now, which is at or above the stored snapshot. So
 * the message sent describes what is written: the index and term of the entry applied last, and
 * the configuration and member registry as of that entry, which are the driver's current ones
 * because the driver applies conf changes as it hands entries to the state machine (the
 * {@link ApplyStage} is drained first, so the state machine holds them all). The receiver
 * restores the state machine, then steps the message, and the core installs the snapshot at that
 * index; the leader's progress for it jumps there.
 *
 * <p><b>Threads.</b> Owned by the driver thread, with one exception: the image for a follower is
 * opened on the driver once the {@link ApplyStage} is drained
 * ({@link io.kvorum.spi.consensus.StateMachine#openSnapshot}: a point-in-time view, as of the
 * entry applied last) and written off the driver ({@link Driving#startSnapshotWrite}:
 * a thread of its own in production, when a simulation chooses in tests), while the driver goes on
 * ticking, persisting, sending and applying: a large state neither stalls writes and reads on the
 * leader nor costs it the leadership. The writer hands its outcome back through the driver's queue.
 */
final class SnapshotShipping {
    private static final System.Logger LOG = System.getLogger(SnapshotShipping.class.getName());

    private final RaftNode node;
    /** Completes when the write running for a follower has ended; null when none runs. */
    private CompletableFuture<Void> snapshotWriter;
    /** Set (through a task) when the writer is done; the driver then finishes the send. */
    private WrittenSnapshot written;

    private record WrittenSnapshot(Message message, Path file, Throwable failure) {
    }

    SnapshotShipping(RaftNode node) {
        this.node = node;
    }

    /** A snapshot is being written for a follower. */
    boolean isWriting() {
        return snapshotWriter != null;
    }

    /** On the driver, in each round: finishes a send whose write ended. */
    void finishWritten() throws IOException {
        if (written != null) {
            WrittenSnapshot w = written;
            written = null;
            snapshotWritten(w);
        }
    }

    // ---- this member's snapshots

    void maybeSnapshot() throws IOException {
        long applied = node.applied;
        if (applied - node.snapshotIndex < node.settings.snapshotCount()) {
            return;
        }
        node.applyStage.drain();
        if (node.stateMachine.appliedIndex() < applied) {
            return; // cannot happen once the stage is drained; never snapshot state that is not there
        }
        Snapshot s = node.storage.createSnapshot(applied, node.raw.confState(), node.registry.encode());
        node.snapshots.save(s);
        node.wal.saveSnapshot(s, node.storage.hardState());
        node.snapshotIndex = s.index();
        long compactTo = s.index() - node.options.catchUpEntries();
        if (compactTo >= node.storage.firstIndex()) {
            node.storage.compact(compactTo);
        }
        node.wal.releaseBeforeSnapshot(node.options.maxWals());
        node.snapshots.releaseBefore(s.index(), node.options.maxSnapshots());
        LOG.log(Level.DEBUG, "member {0} took a snapshot at {1}; log kept from {2}", RaftNode.hex(node.memberId),
                s.index(), node.storage.firstIndex());
    }

    /** Records a snapshot the core installed from the leader (the state machine restored it already). */
    void installSnapshot(Snapshot s) throws IOException {
        node.applyStage.drain();
        if (node.stateMachine.appliedIndex() < s.index()) {
            throw new IllegalStateException("the core installs a snapshot at " + s.index()
                    + " but the state machine was restored only to " + node.stateMachine.appliedIndex());
        }
        node.snapshots.save(s);
        node.wal.saveSnapshot(s, node.storage.hardState());
        node.storage.applySnapshot(s);
        node.registry = MemberRegistry.decode(s.data());
        node.applied = s.index();
        node.snapshotIndex = s.index();
        node.wal.releaseBeforeSnapshot(node.options.maxWals());
        node.snapshots.releaseBefore(s.index(), node.options.maxSnapshots());
        node.membership.membersChanged();
        LOG.log(Level.INFO, "member {0} installed a snapshot at {1} term {2}", RaftNode.hex(node.memberId), s.index(),
                s.term());
    }

    // ---- sending

    /**
     * Sends a follower the state machine as applied now, described as the class comment says: the
     * image is opened here, on the driver, and written on a thread of its own while the driver goes
     * on applying.
     */
    void sendSnapshot(Message request) {
        long to = request.to();
        node.applyStage.drain();
        if (snapshotWriter != null || node.stateMachine.appliedIndex() != node.applied) {
            // One write at a time; or still replaying after a restart. The core asks again later.
            node.raw.reportSnapshot(to, false);
            return;
        }
        Path file;
        Snapshot meta;
        StateMachineSnapshot image;
        try {
            meta = new Snapshot(node.applied, node.storage.term(node.applied), node.raw.confState(),
                    node.registry.encode());
            file = node.snapshots.temporary("send-");
            image = node.stateMachine.openSnapshot();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot prepare a snapshot for " + RaftNode.hex(to), e);
            node.raw.reportSnapshot(to, false);
            return;
        }
        if (image.index() != meta.index()) {
            // the metadata must describe exactly the image: never ship one that says otherwise
            image.close();
            SnapshotShipping.deleteQuietly(file);
            throw new IllegalStateException("the state machine opened a snapshot at " + image.index()
                    + " while it reports " + meta.index() + " applied");
        }
        Message message = request.toBuilder().snapshot(meta).build();
        CompletableFuture<Void> writing = new CompletableFuture<>();
        snapshotWriter = writing;
        node.driving.startSnapshotWrite("kvorum-raft-snapshot-" + RaftNode.hex(node.memberId), () -> {
            try {
                Throwable failure = null;
                try (image; OutputStream out = Files.newOutputStream(file)) {
                    image.writeTo(out);
                } catch (IOException | RuntimeException e) {
                    failure = e;
                }
                Throwable outcome = failure;
                node.queue.run(() -> written = new WrittenSnapshot(message, file, outcome));
            } finally {
                writing.complete(null);
            }
        });
    }

    /** On the driver, once the state machine wrote a snapshot: catch up on applying, then ship it. */
    private void snapshotWritten(WrittenSnapshot w) throws IOException {
        Message message = w.message();
        Path file = w.file();
        Throwable failure = w.failure();
        awaitWriter();
        long to = message.to();
        if (failure != null) {
            LOG.log(Level.WARNING, "cannot write a snapshot for " + RaftNode.hex(to), failure);
            deleteQuietly(file);
            node.raw.reportSnapshot(to, false);
            return;
        }
        LOG.log(Level.INFO, "member {0} sends a snapshot at {1} to {2}", RaftNode.hex(node.memberId),
                message.snapshot().index(), RaftNode.hex(to));
        node.transport.sendSnapshot(message, out -> Files.copy(file, out)).whenComplete((ok, error) -> {
            deleteQuietly(file);
            if (error != null) {
                LOG.log(Level.WARNING, "snapshot to " + RaftNode.hex(to) + " failed", error);
            }
            node.queue.run(() -> node.raw.reportSnapshot(to, error == null));
        });
    }

    /** Waits for the writer to end: the state machine must be left alone once the member is closed. */
    void awaitWriter() {
        CompletableFuture<Void> writer = snapshotWriter;
        snapshotWriter = null;
        if (writer != null) {
            writer.join();
        }
    }

    // ---- receiving

    /** On the driver: restores the state machine from a leader's snapshot the core will install, then steps it. */
    void receiveSnapshot(Message m, Path file) throws IOException {
        // An image being written for a follower meanwhile keeps the state it was opened on.
        Snapshot s = m.snapshot();
        Status st = node.raw.status();
        boolean installs = m.term() >= st.hardState().term() && s.index() > st.hardState().commit()
                && s.confState().contains(node.memberId) && !hasEntry(s.index(), s.term());
        node.applyStage.drain();
        if (installs && s.index() > node.stateMachine.appliedIndex()) {
            try (InputStream in = Files.newInputStream(file)) {
                node.stateMachine.restoreSnapshot(in);
            }
            if (node.stateMachine.appliedIndex() != s.index()) {
                throw new IOException("the snapshot claims index " + s.index() + " but the state machine restored "
                        + node.stateMachine.appliedIndex());
            }
        }
        node.raw.step(m);
    }

    private boolean hasEntry(long index, long entryTerm) {
        try {
            return index <= node.storage.lastIndex() && node.storage.term(index) == entryTerm;
        } catch (CompactedException e) {
            return false;
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete " + file, e);
        }
    }
}
