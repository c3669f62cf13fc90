package io.kvorum.launcher;

import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.launcher.proxy.ClusterLookup;
import io.kvorum.launcher.proxy.ClusterView;
import io.kvorum.launcher.proxy.PeerUrlSource;
import io.kvorum.launcher.proxy.V2Proxy;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kvorum --proxy on|readonly}: runs a v2 proxy until SIGTERM or SIGINT. For each URL served,
 * one line {@code kvorum: serving client requests on <url>} goes to standard output, as a member's.
 *
 * <p>Discovery ({@code --discovery}) plugs in through {@link #run}'s {@code discovery}: when it
 * fails because the cluster is full and {@code --discovery-fallback proxy} is given, etcd starts a
 * proxy instead of a member; the launcher does so by building the proxy's command with
 * {@code CommandLine#proxy} and calling {@link #run} with the discovery service's peer URLs.
 */
final class ProxyProcess {
    /** etcd's bound on asking the peers for the members. */
    private static final Duration MEMBERS_TIMEOUT = Duration.ofSeconds(10);

    private ProxyProcess() {
    }

    /** Runs the proxy until a signal; the process' exit code. */
    static int run(Command.Proxy command, Optional<PeerUrlSource> discovery) {
        try {
            Main.configureLogging(command.logging().settings(command.logLevel()));
        } catch (IOException e) {
            System.err.println("kvorum: cannot open the log output " + e.getMessage());
            return Main.EXIT_START_FAILED;
        }
        Logger log = LoggerFactory.getLogger(ProxyProcess.class);
        command.warnings().forEach(log::warn);
        CountDownLatch stop = new CountDownLatch(1);
        Main.stopOnSignals(stop, log);

        V2Proxy proxy;
        try {
            ConsensusProvider consensus = (ConsensusProvider) PluginCatalog.load(Main.pluginFolders(command.pluginDirs()))
                    .find(PluginKind.CONSENSUS, command.consensus()).provider();
            proxy = V2Proxy.start(command.proxy(), V2Proxy.lookups(askingPeers(consensus)), discovery);
        } catch (PluginLoadException | IOException | RuntimeException e) {
            log.debug("proxy start failed", e);
            System.err.println("kvorum: " + e.getMessage());
            return Main.EXIT_START_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "kvorum-shutdown"));
        for (URI url : proxy.boundUrls()) {
            System.out.println("kvorum: serving client requests on " + url);
        }
        System.out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        proxy.close();
        log.info("v2 proxy stopped");
        return Main.EXIT_OK;
    }

    /** The consensus plugin's own way of asking its peers for the members (kvorum's raft: a peer call). */
    private static ClusterLookup askingPeers(ConsensusProvider consensus) {
        return peerUrls -> {
            List<Member> members = consensus.membersAt(peerUrls.stream().map(URI::create).toList(), MEMBERS_TIMEOUT);
            return new ClusterView(members.stream().flatMap(m -> m.peerUrls().stream()).toList(),
                    members.stream().flatMap(m -> m.clientUrls().stream()).toList());
        };
    }
}
