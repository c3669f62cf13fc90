package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.transport.grpc.GrpcTransport;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Provides the {@code raft} consensus: a replicated, durable log shared by the members of a cluster. */
public final class RaftConsensusProvider implements ConsensusProvider {
    /** The transport factory for a member built from a context (its peer TLS). */
    private final Function<ConsensusContext, TransportFactory> transports;

    /** The production provider, found by {@link java.util.ServiceLoader}: peers talk gRPC. */
    public RaftConsensusProvider() {
        this.transports = RaftConsensusProvider::grpcTransports;
    }

    RaftConsensusProvider(TransportFactory transports) {
        this.transports = context -> transports;
    }

    @Override
    public String name() {
        return "raft";
    }

    @Override
    public String description() {
        return "Raft: a replicated log on every member, with a WAL, snapshots, learners and leadership transfer";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(RaftOptions.SEGMENT_BYTES_OPTION, "size of each preallocated WAL segment file (default "
                        + RaftOptions.DEFAULT_SEGMENT_BYTES + ", as etcd's 64 MiB)",
                RaftOptions.CATCH_UP_ENTRIES_OPTION, "entries kept in memory after a snapshot so a slow follower "
                        + "catches up without one (default " + RaftOptions.DEFAULT_CATCH_UP_ENTRIES + ", as etcd)",
                RaftOptions.WAL_REPAIR_OPTION, "true: start on a WAL with a corrupt record by cutting the log at it, dropping "
                        + "what follows (default false: refuse to start; a torn last write is always repaired)",
                RaftOptions.WAL_DIR_OPTION, "folder of the WAL segment files (default: wal/ in the member's folder);"
                        + " what etcd's --wal-dir sets",
                RaftOptions.MAX_SNAPSHOTS_OPTION, "snapshot files kept, 0 for all (default 1: the newest); what"
                        + " etcd's --max-snapshots sets",
                RaftOptions.MAX_WALS_OPTION, "WAL segment files kept, 0 for all; segments still needed are always"
                        + " kept (default 1: only those); what etcd's --max-wals sets",
                RaftOptions.MAX_LEARNERS_OPTION, "learners the cluster may have at a time (default 1, as etcd);"
                        + " what etcd's --experimental-max-learners sets; give every member the same");
    }

    @Override
    public Consensus create(ConsensusContext context) throws IOException {
        return new RaftNode(context, transports.apply(context));
    }

    /** The members, asked of a peer's gRPC port with the call a joining member makes. */
    @Override
    public List<Member> membersAt(List<URI> peerUrls, Duration timeout) throws IOException {
        return PeerMembersQuery.ask(peerUrls, timeout);
    }

    /** The gRPC transport, listening on {@code --listen-peer-urls}, with the server's peer TLS for https URLs. */
    private static TransportFactory grpcTransports(ConsensusContext context) {
        return settings -> new GrpcTransport(settings.listenPeerUrls(), context.peerTls(), context.metrics());
    }
}
