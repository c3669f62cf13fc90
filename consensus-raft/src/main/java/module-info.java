/**
 * Raft consensus. Empty in this release: the module holds its place in the map, and the Raft
 * implementation lands in its own change. Until then the server's {@code standalone} consensus
 * serves single-member deployments.
 */
module io.kvorum.consensus.raft {
    requires io.kvorum.spi;
}
