package io.kvorum.tck.consensus;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One member of a {@link ConsensusTck} test: its place in the cluster, its directory, and the
 * state machine and consensus of its current incarnation. A restart closes the consensus and
 * builds a new one over the state machine as a restarted process would find it.
 */
final class MemberUnderTest implements AutoCloseable {
    private final ConsensusProvider provider;
    private final ClusterSpec cluster;
    private final Path directory;
    private final ConsensusSettings settings;
    private final PluginOptions options;
    private TckStateMachine machine;
    private Consensus consensus;
    private boolean running;

    MemberUnderTest(ConsensusProvider provider, ClusterSpec cluster, Path directory, ConsensusSettings settings,
                    PluginOptions options, List<String> violations) throws IOException {
        this.provider = provider;
        this.cluster = cluster;
        this.directory = Files.createDirectories(directory);
        this.settings = settings;
        this.options = options;
        this.machine = new TckStateMachine(cluster.self().name(), violations);
    }

    /** Builds the consensus without starting it. */
    Consensus create() throws IOException {
        if (consensus != null) {
            throw new IllegalStateException(name() + " already has a consensus");
        }
        consensus = provider.create(new ConsensusContext(cluster, directory, machine, settings, options));
        machine.everyApplyMustBeDurable(!consensus.logIsDurable());
        return consensus;
    }

    /** Builds and starts the consensus. */
    Consensus start() throws IOException {
        create();
        consensus.start();
        running = true;
        return consensus;
    }

    /** Closes the consensus (if running) and starts a new one over the state machine as found after a restart. */
    Consensus restart() throws IOException {
        stop();
        machine = machine.afterRestart();
        return start();
    }

    /** Closes the current consensus; the member can be {@link #restart() restarted}. */
    void stop() throws IOException {
        if (consensus != null) {
            Consensus c = consensus;
            consensus = null;
            running = false;
            c.close();
        }
    }

    boolean running() {
        return running;
    }

    Consensus consensus() {
        if (consensus == null) {
            throw new IllegalStateException(name() + " is stopped");
        }
        return consensus;
    }

    TckStateMachine machine() {
        return machine;
    }

    ClusterSpec cluster() {
        return cluster;
    }

    long id() {
        return cluster.self().id();
    }

    String name() {
        return cluster.self().name();
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
