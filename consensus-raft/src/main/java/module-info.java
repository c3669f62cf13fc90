/**
 * Raft consensus: the pure algorithm ({@code io.kvorum.consensus.raft.core}), the WAL, the peer
 * transport contract, and the {@code raft} consensus provider ({@code io.kvorum.consensus.raft.node})
 * that drives them. Nothing is exported: the server reaches this module through {@code ServiceLoader}
 * only.
 */
module io.kvorum.consensus.raft {
    requires io.kvorum.spi;

    provides io.kvorum.spi.consensus.ConsensusProvider with io.kvorum.consensus.raft.node.RaftConsensusProvider;
}
