package io.kvorum.consensus.raft.transport;

import io.kvorum.consensus.raft.core.Message;
import io.kvorum.spi.consensus.PeerTraffic;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Carries Raft messages between the members of one cluster. One instance per member; the driver
 * thread of the member calls {@link #send}, which never blocks.
 *
 * <p>Every stream, snapshot and call is stamped with the cluster id and the sender's member id,
 * and the receiver checks both before anything reaches {@link Inbound}, as etcd's peer handlers
 * check {@code X-Etcd-Cluster-ID} and the sender: a peer of another cluster, a removed member and
 * a member this one does not know are refused (their messages and calls never reach
 * {@link Inbound}); so is a call from a caller not yet identified, unless {@link Inbound#callers}
 * lets anyone make it. Until {@link #identify} has been called only {@link #call(URI, String, byte[])}
 * works (a member joining a running cluster learns its ids that way).
 */
public interface Transport extends AutoCloseable {

    /** Starts listening on the peer URLs given at construction; inbound traffic goes to {@code inbound}. */
    void start(Inbound inbound) throws IOException;

    /** This member's id and its cluster's id, stamped on every outgoing stream and checked on every inbound one. */
    void identify(long memberId, long clusterId);

    /**
     * The peers to reach, member id to peer URLs (this member excluded); replaces the previous set.
     * They are also the members whose streams, snapshots and calls are accepted.
     */
    void updatePeers(Map<Long, List<URI>> peers);

    /** The members removed from this cluster (etcd's removed member ids): refused as "removed member". */
    void updateRemoved(Set<Long> removed);

    /** Reports the appends this member sends and receives to {@code traffic} from now on. */
    default void observe(PeerTraffic traffic) {
    }

    /**
     * Queues a message for {@link Message#to()}. Never blocks: when that peer's queue is full, or the
     * peer is unknown or unreachable, the message is dropped and {@link Inbound#onUnreachable} is called.
     * Messages to one peer are delivered in the order sent, or not at all.
     */
    void send(Message message);

    /**
     * Streams a snapshot to {@code message.to()} on a stream of its own, in chunks: the message
     * (type SNAPSHOT, its {@code snapshot} carrying index, term and configuration) first, then the
     * bytes {@code body} writes. Completes when the receiver has restored it and stepped the message,
     * exceptionally when it could not.
     */
    CompletableFuture<Void> sendSnapshot(Message message, SnapshotBody body);

    /** A request/response call to the member at {@code peerUrl} (e.g. forwarding a membership change to the leader). */
    CompletableFuture<byte[]> call(URI peerUrl, String method, byte[] request);

    /** A request/response call to a known peer, trying its URLs in turn. */
    CompletableFuture<byte[]> call(long peerId, String method, byte[] request);

    /** Stops listening and closes every connection; queued messages are dropped. */
    @Override
    void close();

    /** Writes a snapshot's bytes; called on a transport thread. */
    @FunctionalInterface
    interface SnapshotBody {
        void writeTo(OutputStream out) throws IOException;
    }

    /** What arrives from peers. Called on transport threads; implementations hand work to the driver. */
    interface Inbound {

        /** A Raft message from a peer of this cluster. */
        void onMessage(Message message);

        /**
         * A snapshot from a peer: its message, then its bytes. Returns once the snapshot is restored
         * and the message stepped; throwing makes the sender's future fail.
         */
        void onSnapshot(Message message, InputStream body) throws IOException;

        /**
         * A call from a caller that {@link #callers} admits for {@code method}, checked by the
         * transport; the answer goes back to it.
         */
        CompletableFuture<byte[]> onCall(String method, byte[] request);

        /** Who may make the call {@code method}; the transport refuses everyone else. */
        Callers callers(String method);

        /** A message to this peer was dropped or its connection failed. */
        void onUnreachable(long peerId);

        /**
         * The peer refused this member's stream as a removed member's (etcd's {@code 410 Gone}):
         * this member should find out whether it was removed, and stop if so.
         */
        default void onRefusedAsRemoved(long peerId) {
        }
    }

    /** Who may make a call ({@link Inbound#callers}). */
    enum Callers {
        /** Known members of this cluster only: every call that acts. */
        MEMBERS,
        /** Members of this cluster, removed ones included: a removed member asking whether it was removed. */
        CLUSTER,
        /** Anyone, identified or not: a joining member's first contact, which knows no cluster id yet (etcd's /members). */
        ANYONE
    }
}
