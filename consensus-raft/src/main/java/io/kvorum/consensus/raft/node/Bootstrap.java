package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.transport.Transport;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a member learns who it is before its driver runs, as etcd's {@code bootstrap}: restarting
 * on its log (its identity file), founding a new cluster (the initial members become the first
 * configuration changes), or joining a running one ({@code --initial-cluster-state existing}:
 * ask the members named in {@code --initial-cluster} for the cluster, find itself by its peer
 * URLs, and check the rest as etcd does).
 *
 * <p><b>Threads.</b> Runs on the thread that starts the member, before the driver exists.
 */
final class Bootstrap {
    private static final System.Logger LOG = System.getLogger(Bootstrap.class.getName());

    private final ClusterSpec cluster;
    private final ConsensusSettings settings;
    private final Transport transport;
    private final Driving driving;

    /** Who this member is, and the members it was told of when it joined (empty otherwise). */
    record Start(Identity identity, List<Member> discovered) {
    }

    Bootstrap(ClusterSpec cluster, ConsensusSettings settings, Transport transport, Driving driving) {
        this.driving = driving;
        this.cluster = cluster;
        this.settings = settings;
        this.transport = transport;
    }

    /** This member's identity: from its file when it has a log, by joining, or as the spec names it. */
    Start identify(Path directory, boolean hasLog) throws IOException {
        Start start;
        if (hasLog) {
            start = new Start(Identity.load(directory).orElseThrow(() -> new IOException(directory
                    + " holds a Raft log but not the member identity file")), List.of());
        } else if (cluster.existing()) {
            start = join();
        } else {
            start = new Start(new Identity(cluster.self().id(), cluster.clusterId()), List.of());
        }
        if (!hasLog) {
            start.identity().save(directory);
        }
        return start;
    }

    /** The configuration changes a new cluster's log starts with: every initial member, as a voter. */
    List<ConfChange> initialChanges() {
        return cluster.initialMembers().stream()
                .sorted((a, b) -> Long.compareUnsigned(a.id(), b.id()))
                .map(m -> new ConfChange(ConfChangeType.ADD_NODE, m.id(), new ChangeContext(0, false,
                        new Member(m.id(), "", m.peerUrls(), List.of(), false)).encode()))
                .toList();
    }

    /** Asks the members named at start for the cluster, and finds this member in it by its peer URLs. */
    private Start join() throws IOException {
        List<URI> targets = cluster.initialMembers().stream()
                .filter(m -> !m.peerUrls().equals(cluster.self().peerUrls()))
                .flatMap(m -> m.peerUrls().stream()).map(URI::create).toList();
        if (targets.isEmpty()) {
            throw new IOException("--initial-cluster names no other member to join (--initial-cluster-state existing)");
        }
        String lastProblem = "no answer";
        long deadline = driving.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5000 + 2 * settings.electionTimeout().toMillis());
        do {
            for (URI target : targets) {
                try {
                    byte[] body = Wire.body(transport.call(target, MembershipCalls.CALL_MEMBERS, Wire.NO_DATA).get(
                            settings.electionTimeout().toMillis() * 2, TimeUnit.MILLISECONDS));
                    long remoteCluster = Wire.read(body, in -> in.readLong());
                    List<Member> remote = Wire.read(body, in -> {
                        in.readLong();
                        return Wire.readMembers(in);
                    });
                    Optional<Member> self = MemberRegistry.byPeerUrls(remote, cluster.self().peerUrls());
                    if (self.isPresent()) {
                        Optional<String> mismatch = mismatchWithInitialCluster(remote);
                        if (mismatch.isPresent()) {
                            // as etcd: the operator's --initial-cluster must describe the cluster it joins
                            throw new IOException("error validating peerURLs of cluster " + RaftNode.hex(remoteCluster)
                                    + " (learned from " + target + "): " + mismatch.get());
                        }
                        LOG.log(Level.INFO, "joining cluster {0} as member {1} (learned from {2})",
                                RaftNode.hex(remoteCluster), RaftNode.hex(self.get().id()), target);
                        return new Start(new Identity(self.get().id(), remoteCluster), remote);
                    }
                    lastProblem = target + " answered for cluster " + RaftNode.hex(remoteCluster) + " whose members "
                            + remote.stream().map(m -> m.peerUrls().toString()).toList()
                            + " do not include this member's peer URLs " + cluster.self().peerUrls()
                            + " (add it with MemberAdd first)";
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    lastProblem = target + ": " + (e instanceof ExecutionException ? e.getCause() : e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while joining the cluster", e);
                }
            }
            sleep(settings.heartbeatInterval().toMillis());
        } while (driving.nanoTime() - deadline < 0);
        throw new IOException("cannot join the running cluster: " + lastProblem);
    }

    /**
     * etcd's check of a joining member's {@code --initial-cluster} against the running members:
     * as many members (learners too), and the same peer URLs member by member; names do not count.
     */
    private Optional<String> mismatchWithInitialCluster(List<Member> running) {
        List<List<String>> local = cluster.initialMembers().stream().map(m -> m.peerUrls().stream().sorted().toList())
                .sorted(Comparator.comparing(Object::toString)).toList();
        List<List<String>> remote = running.stream().map(m -> m.peerUrls().stream().sorted().toList())
                .sorted(Comparator.comparing(Object::toString)).toList();
        if (local.size() != remote.size()) {
            return Optional.of("member count is unequal (--initial-cluster names " + local.size()
                    + ", the cluster has " + remote.size() + ": " + remote + ")");
        }
        for (int i = 0; i < local.size(); i++) {
            if (!local.get(i).equals(remote.get(i))) {
                return Optional.of("unmatched member while checking PeerURLs (" + remote.get(i) + " != "
                        + local.get(i) + ")");
            }
        }
        return Optional.empty();
    }

    private void sleep(long millis) throws IOException {
        try {
            driving.pause(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
