package io.kvorum.spi.consensus;

import io.kvorum.spi.metrics.MetricRegistry;
import io.kvorum.spi.plugin.PluginOptions;
import io.kvorum.spi.tls.TlsMaterial;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a consensus instance is built with.
 *
 * @param cluster      this member and the cluster it belongs to, ids already derived
 * @param directory    where the consensus keeps its own files (WAL, snapshots); it owns it alone
 * @param stateMachine the server's state machine that committed entries are delivered to
 * @param settings     etcd's member-wide consensus flags (peer listeners, timing, snapshots)
 * @param options      this plugin's own options
 * @param peerTls      the peer side's TLS material ({@code --peer-*} flags), for {@code https://}
 *                     peer URLs: serve them with it and dial them with it; the server owns and closes it
 * @param metrics      where to record etcd's consensus metrics (WAL fsyncs, peer traffic and round trips)
 */
public record ConsensusContext(ClusterSpec cluster, Path directory, StateMachine stateMachine,
                               ConsensusSettings settings, PluginOptions options, Optional<TlsMaterial> peerTls,
                               MetricRegistry metrics) {

    public ConsensusContext {
        Objects.requireNonNull(peerTls, "peerTls");
        Objects.requireNonNull(metrics, "metrics");
    }

    /** Recording no metrics. */
    public ConsensusContext(ClusterSpec cluster, Path directory, StateMachine stateMachine,
                            ConsensusSettings settings, PluginOptions options, Optional<TlsMaterial> peerTls) {
        this(cluster, directory, stateMachine, settings, options, peerTls, MetricRegistry.noop());
    }

    /** Without peer TLS: every peer URL is {@code http://}. */
    public ConsensusContext(ClusterSpec cluster, Path directory, StateMachine stateMachine,
                            ConsensusSettings settings, PluginOptions options) {
        this(cluster, directory, stateMachine, settings, options, Optional.empty());
    }
}
