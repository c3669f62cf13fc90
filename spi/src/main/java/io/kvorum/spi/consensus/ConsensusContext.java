package io.kvorum.spi.consensus;

import io.kvorum.spi.plugin.PluginOptions;
import java.nio.file.Path;

/**
 * What a consensus instance is built with.
 *
 * @param cluster      this member and the cluster it belongs to, ids already derived
 * @param directory    where the consensus keeps its own files (WAL, snapshots); it owns it alone
 * @param stateMachine the server's state machine that committed entries are delivered to
 * @param settings     etcd's member-wide consensus flags (peer listeners, timing, snapshots)
 * @param options      this plugin's own options
 */
public record ConsensusContext(ClusterSpec cluster, Path directory, StateMachine stateMachine,
                               ConsensusSettings settings, PluginOptions options) {
}
