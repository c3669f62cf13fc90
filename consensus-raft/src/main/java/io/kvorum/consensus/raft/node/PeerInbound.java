package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.transport.RateLimitedLog;
import io.kvorum.consensus.raft.transport.Transport;
import io.kvorum.consensus.raft.transport.Transport.Callers;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * What peers send a member, handed to its driver: Raft messages, snapshots (spooled to a file,
 * then restored and stepped on the driver) and calls.
 *
 * <p><b>Threads.</b> Called on transport threads; everything but {@code raft.members} (answered
 * from the published member list) and {@code raft.ask} (the server's answerers) runs on the
 * driver through its queue.
 */
final class PeerInbound implements Transport.Inbound {
    private static final System.Logger LOG = System.getLogger(PeerInbound.class.getName());

    private static final RateLimitedLog DROPS = new RateLimitedLog(LOG);

    private final RaftNode node;

    PeerInbound(RaftNode node) {
        this.node = node;
    }

    @Override
    public void onMessage(Message message) {
        if (message.type() == MessageType.SNAP) {
            return; // snapshots come with their bytes through onSnapshot only
        }
        boolean queued = node.queue.runFromPeer(message.from(), () -> {
            node.raw.step(message);
            node.handOff.heardFrom(message.from());
            if (message.from() == node.leaderId && message.from() != 0) {
                node.membership.lastLeaderContactTick = node.ticks;
            }
        });
        if (!queued) {
            // etcd's words; Raft resends what matters
            DROPS.warn("dropped internal Raft message from " + RaftNode.hex(message.from()) + " ("
                    + message.type() + ") since receiving buffer is full (overloaded network)");
        }
    }

    @Override
    public void onSnapshot(Message message, InputStream body) throws IOException {
        Path file = node.snapshots.temporary("receive-");
        try {
            node.snapshots.receive(body, file);
            install(message, file).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while installing a snapshot", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            SnapshotShipping.deleteQuietly(file);
        }
    }

    /** A snapshot spooled to {@code file}: restored and stepped on the driver; completes when done. */
    CompletableFuture<Void> install(Message message, Path file) {
        return node.queue.call(f -> {
            try {
                node.shipping.receiveSnapshot(message, file);
                f.complete(null);
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
    }

    @Override
    public CompletableFuture<byte[]> onCall(String method, byte[] request) {
        if (method.equals(MembershipCalls.CALL_MEMBERS)) {
            List<Member> known = node.members;
            long cluster = node.clusterId;
            return CompletableFuture.completedFuture(Wire.answer(Wire.bytes(out -> {
                out.writeLong(cluster);
                Wire.writeMembers(out, known);
            })));
        }
        if (method.equals(PeerQuestions.CALL_ASK)) {
            try {
                return node.questions.onCall(request); // off the driver: the answerer has threads of its own
            } catch (Wire.MalformedRecordException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<byte[]> answer = node.queue.callFromPeer(a -> node.membership.onCall(method, request, a));
        return answer.exceptionallyCompose(e -> {
            if (e instanceof ConsensusException c) {
                return CompletableFuture.completedFuture(Wire.failure(c));
            }
            if (e instanceof Wire.MalformedRecordException) {
                // the caller's fault, answered to it as such; the transport rate-limits what it logs
                return CompletableFuture.failedFuture(e);
            }
            LOG.log(Level.WARNING, "the call " + method + " failed", e);
            return CompletableFuture.completedFuture(Wire.failure(EtcdErrors.stopped()));
        });
    }

    /**
     * A joining member asks for the members before it knows its cluster id (etcd's
     * {@code /members}); a removed member asks whether it was removed; every other call acts, and
     * only a member may make it.
     */
    @Override
    public Callers callers(String method) {
        return switch (method) {
            case MembershipCalls.CALL_MEMBERS -> Callers.ANYONE;
            case MembershipCalls.CALL_WAS_REMOVED -> Callers.CLUSTER;
            default -> Callers.MEMBERS;
        };
    }

    @Override
    public void onRefusedAsRemoved(long peerId) {
        node.queue.run(() -> node.membership.askWhetherRemoved(peerId));
    }

    @Override
    public void onUnreachable(long peerId) {
        node.queue.run(() -> {
            node.handOff.unreachable(peerId);
            node.raw.reportUnreachable(peerId);
        });
    }
}
