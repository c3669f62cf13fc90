package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.transport.Transport;
import io.kvorum.spi.consensus.ConsensusSettings;
import java.io.IOException;

/** Builds a member's peer transport: gRPC in production, an in-memory network in tests. */
@FunctionalInterface
interface TransportFactory {
    Transport create(ConsensusSettings settings) throws IOException;
}
