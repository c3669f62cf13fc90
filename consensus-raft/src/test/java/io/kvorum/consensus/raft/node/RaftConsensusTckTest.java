package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.tck.consensus.ConsensusTck;

/**
 * The {@code raft} consensus against the consensus TCK, as a user installs it: the provider
 * {@link java.util.ServiceLoader} finds, members talking gRPC over loopback, clusters of three.
 */
class RaftConsensusTckTest extends ConsensusTck {
    @Override
    protected ConsensusProvider provider() {
        return new RaftConsensusProvider();
    }

    @Override
    protected boolean supportsMultipleMembers() {
        return true;
    }
}
