package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.transport.Transport;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusSettings;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.Map;

/** Provides the {@code raft} consensus: a replicated, durable log shared by the members of a cluster. */
public final class RaftConsensusProvider implements ConsensusProvider {
    static final String SEGMENT_BYTES_OPTION = "wal-segment-bytes";
    private static final String GRPC_TRANSPORT = "io.kvorum.consensus.raft.transport.grpc.GrpcTransport";

    private final TransportFactory transports;

    /** The production provider, found by {@link java.util.ServiceLoader}: peers talk gRPC. */
    public RaftConsensusProvider() {
        this(RaftConsensusProvider::grpcTransport);
    }

    RaftConsensusProvider(TransportFactory transports) {
        this.transports = transports;
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
        return Map.of(SEGMENT_BYTES_OPTION, "size of each preallocated WAL segment file (default "
                        + RaftNode.DEFAULT_SEGMENT_BYTES + ", as etcd's 64 MiB)",
                RaftNode.CATCH_UP_ENTRIES_OPTION, "entries kept in memory after a snapshot so a slow follower "
                        + "catches up without one (default " + RaftNode.DEFAULT_CATCH_UP_ENTRIES + ", as etcd)");
    }

    @Override
    public Consensus create(ConsensusContext context) throws IOException {
        return new RaftNode(context, transports);
    }

    /**
     * The gRPC transport on the peer URLs. INTEGRATION POINT: the transport lives in
     * {@code io.kvorum.consensus.raft.transport.grpc} of this module; once it is there, replace this
     * lookup with {@code new GrpcTransport(settings.listenPeerUrls())}.
     */
    private static Transport grpcTransport(ConsensusSettings settings) throws IOException {
        try {
            Class<?> type = Class.forName(GRPC_TRANSPORT, true, RaftConsensusProvider.class.getClassLoader());
            return (Transport) type.getConstructor(List.class).newInstance(settings.listenPeerUrls());
        } catch (ClassNotFoundException e) {
            throw new IOException("the raft consensus needs its gRPC peer transport (" + GRPC_TRANSPORT
                    + "), which this build does not include", e);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot start the peer transport on " + settings.listenPeerUrls() + ": "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot build the peer transport " + GRPC_TRANSPORT, e);
        }
    }
}
