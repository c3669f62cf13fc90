package io.kvorum.launcher;

import io.kvorum.launcher.discovery.Bootstrap;
import io.kvorum.launcher.discovery.DiscoverySettings;
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
 * <p>With {@code --discovery}, the first peer URLs are those of the members registered with the
 * discovery token ({@link Bootstrap#proxyPeerUrls}), asked only when the data dir holds no cluster
 * file yet, as etcd's {@code startProxy}; the refreshes then ask those peers, as without discovery.
 * A member that finds the discovered cluster full with {@code --discovery-fallback proxy} becomes
 * such a proxy through {@link #serve}, with its own flags (so not read-only), as etcd's.
 */
final class ProxyProcess {
    /** etcd's bound on asking the peers for the members. */
    private static final Duration MEMBERS_TIMEOUT = Duration.ofSeconds(10);

    private ProxyProcess() {
    }

    /** Runs the proxy until a signal; the process' exit code. */
    static int run(Command.Proxy command) {
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
        return serve(command, stop);
    }

    /**
     * Runs the proxy until {@code stop} counts down; logging and the signal handlers are set up
     * already (by {@link #run}, or by a member's start that falls back to this proxy).
     */
    static int serve(Command.Proxy command, CountDownLatch stop) {
        Logger log = LoggerFactory.getLogger(ProxyProcess.class);
        V2Proxy proxy;
        try {
            ConsensusProvider consensus = (ConsensusProvider) PluginCatalog.load(Main.pluginFolders(command.pluginDirs()))
                    .find(PluginKind.CONSENSUS, command.consensus()).provider();
            proxy = V2Proxy.start(command.proxy(), V2Proxy.lookups(askingPeers(consensus)),
                    discovered(command.discovery()));
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

    /** {@code --discovery}'s members as the proxy's first peer URLs; none without a discovery URL. */
    private static Optional<PeerUrlSource> discovered(DiscoverySettings settings) {
        if (settings.url().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            try {
                return Bootstrap.proxyPeerUrls(settings);
            } catch (Bootstrap.Failed e) {
                throw new IOException(e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking the discovery service", e);
            }
        });
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
