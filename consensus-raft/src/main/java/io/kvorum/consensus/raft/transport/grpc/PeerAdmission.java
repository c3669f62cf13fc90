package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.kvorum.consensus.raft.transport.Transport.Callers;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who may use the peer port, checked on the headers of every stream, snapshot and call before
 * anything is read from it, as etcd's peer handlers check {@code X-Etcd-Cluster-ID}, the sender
 * and {@code X-Raft-To}: the cluster id must be this member's, the sender a member it knows (a
 * removed member and an unknown one are refused), and the addressee, when named, this member.
 * Calls that {@link Callers} opens wider need less.
 *
 * <p><b>Threads.</b> Read on event loops; the member sets are replaced whole by the transport.
 */
final class PeerAdmission {
    /** How a removed member's refusal starts; the member refused learns from it that it should ask whether it was removed. */
    static final String REMOVED_MEMBER = "removed member ";

    private final Supplier<Optional<Identity>> identity;
    private volatile Set<Long> members = Set.of();
    private volatile Set<Long> removed = Set.of();

    PeerAdmission(Supplier<Optional<Identity>> identity) {
        this.identity = identity;
    }

    /** The members whose traffic is accepted (this member's peers). */
    void members(Set<Long> ids) {
        members = Set.copyOf(ids);
    }

    /** The members removed from the cluster, refused as such. */
    void removed(Set<Long> ids) {
        removed = Set.copyOf(ids);
    }

    /** Why a stream or snapshot with these headers is refused; empty when it comes from a member. */
    Optional<Status> refusal(Metadata headers) {
        return refusal(headers, Callers.MEMBERS);
    }

    /** Why a call with these headers that {@code callers} may make is refused; empty when it may go on. */
    Optional<Status> refusal(Metadata headers, Callers callers) {
        if (callers == Callers.ANYONE) {
            return Optional.empty();
        }
        Optional<Identity> self = identity.get();
        if (self.isEmpty()) {
            return Optional.of(Status.FAILED_PRECONDITION.withDescription("member not identified yet"));
        }
        Optional<Long> cluster = PeerWire.id(headers, PeerWire.CLUSTER_ID);
        Optional<Long> from = PeerWire.id(headers, PeerWire.FROM_ID);
        if (cluster.isEmpty() || from.isEmpty()) {
            return Optional.of(Status.UNAUTHENTICATED.withDescription("missing cluster or member ID headers"));
        }
        if (cluster.get() != self.get().clusterId()) {
            return Optional.of(Status.FAILED_PRECONDITION.withDescription("cluster ID mismatch: local "
                    + hex(self.get().clusterId()) + ", remote " + hex(cluster.get())));
        }
        if (headers.containsKey(PeerWire.TO_ID)) {
            Optional<Long> to = PeerWire.id(headers, PeerWire.TO_ID);
            if (to.isEmpty() || to.get() != self.get().memberId()) {
                return Optional.of(Status.FAILED_PRECONDITION.withDescription("member ID mismatch: local "
                        + hex(self.get().memberId()) + ", addressed to " + to.map(PeerAdmission::hex).orElse("?")));
            }
        }
        long sender = from.get();
        if (removed.contains(sender)) {
            return callers == Callers.CLUSTER ? Optional.empty()
                    : Optional.of(Status.PERMISSION_DENIED.withDescription(REMOVED_MEMBER + hex(sender)));
        }
        if (sender == self.get().memberId() || !members.contains(sender)) {
            return Optional.of(Status.PERMISSION_DENIED.withDescription("sender " + hex(sender)
                    + " not found in cluster " + hex(self.get().clusterId())));
        }
        return Optional.empty();
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }
}
