package io.kvorum.server.standalone;

import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.tck.consensus.ConsensusTck;

/** The {@code standalone} consensus against the consensus TCK: one member, no log, every batch durable. */
class StandaloneConsensusTckTest extends ConsensusTck {
    @Override
    protected ConsensusProvider provider() {
        return new StandaloneConsensusProvider();
    }
}
