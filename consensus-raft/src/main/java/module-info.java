/**
 * Raft consensus. So far the pure algorithm ({@code io.kvorum.consensus.raft.core}); the WAL, the
 * peer transport and the {@code raft} consensus provider build on it. Until the provider lands the
 * server's {@code standalone} consensus serves single-member deployments. Nothing is exported:
 * the server will reach this module through {@code ServiceLoader} only.
 */
module io.kvorum.consensus.raft {
    requires io.kvorum.spi;
}
