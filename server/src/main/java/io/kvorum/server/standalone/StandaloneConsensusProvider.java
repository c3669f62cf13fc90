package io.kvorum.server.standalone;

import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusProvider;
import java.util.Map;

/** Provides the {@code standalone} consensus for single-member deployments. */
public final class StandaloneConsensusProvider implements ConsensusProvider {

    @Override
    public String name() {
        return "standalone";
    }

    @Override
    public String description() {
        return "one member, no replication; every applied batch is committed durably to the backend";
    }

    @Override
    public Map<String, String> options() {
        return Map.of(StandaloneConsensus.MAX_BATCH_OPTION,
                "most entries applied (and fsynced) together in one batch (default "
                        + StandaloneConsensus.DEFAULT_MAX_BATCH + ")");
    }

    @Override
    public Consensus create(ConsensusContext context) {
        return new StandaloneConsensus(context);
    }
}
