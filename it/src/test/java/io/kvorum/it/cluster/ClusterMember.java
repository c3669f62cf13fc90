package io.kvorum.it.cluster;

import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.StatusResponse;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.Target;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One member of a {@link Cluster}: its name, data directory, client and peer ports (fixed for its
 * whole life, so a restart comes back where the others and the clients expect it) and the flags it
 * booted with. At most one process of it runs at a time; every start logs into its own folder
 * under the member's work directory.
 */
public final class ClusterMember {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Target target;
    private final String name;
    private final Path workDir;
    private final int clientPort;
    private final int peerPort;
    private final int advertisedPeerPort;
    private final List<String> clusterFlags;
    private final MemberClient probe;
    private List<String> bootFlags = List.of();
    private volatile ManagedProcess process;
    private volatile long id;

    ClusterMember(Target target, String name, Path workDir, int clientPort, int peerPort, int advertisedPeerPort,
            List<String> clusterFlags) {
        this.target = target;
        this.name = name;
        this.workDir = workDir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.advertisedPeerPort = advertisedPeerPort;
        this.clusterFlags = List.copyOf(clusterFlags);
        this.probe = new MemberClient(clientPort, 2_000);
    }

    public String name() {
        return name;
    }

    public Path dataDir() {
        return workDir.resolve("data");
    }

    public Path workDir() {
        return workDir;
    }

    public int clientPort() {
        return clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    public URI clientUrl() {
        return URI.create("http://127.0.0.1:" + clientPort);
    }

    /**
     * The peer URL the others reach this member at ({@code --initial-advertise-peer-urls}): its
     * own peer port, or a port in front of it (see {@link Cluster.PeerFront}).
     */
    public URI peerUrl() {
        return URI.create("http://127.0.0.1:" + advertisedPeerPort);
    }

    /** The peer URL this member listens on ({@code --listen-peer-urls}). */
    public URI listenPeerUrl() {
        return URI.create("http://127.0.0.1:" + peerPort);
    }

    /** {@code name=peer-url}, this member's entry in {@code --initial-cluster}. */
    public String initialClusterEntry() {
        return name + "=" + peerUrl();
    }

    /** The member ID the member reports about itself; known once it has served. */
    public long id() {
        if (id == 0) {
            throw new IllegalStateException(name + " has not served yet: its member ID is unknown");
        }
        return id;
    }

    public boolean hasId() {
        return id != 0;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** A client for the harness's own calls (status, hash); callers must not close it. */
    public MemberClient probe() {
        return probe;
    }

    /**
     * Starts the first process of this member with etcd's bootstrap flags; returns at once
     * ({@link #awaitServing()} waits). {@code state} is {@code new} or {@code existing}.
     */
    void boot(String initialCluster, String state, String token) {
        bootFlags = List.of(
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", state,
                "--initial-cluster-token", token);
        launch();
    }

    /** A new process on the same ports, data directory and flags; the last one must have ended. */
    public void restart() {
        if (isAlive()) {
            throw new IllegalStateException("restart of running member " + name);
        }
        launch();
        awaitServing();
    }

    /**
     * A new process on the same ports, data directory and flags, returning at once: a member of a
     * cluster that was stopped whole cannot serve before a quorum of others is back, so the caller
     * starts them all, then {@link #awaitServing()} each; or a member that may refuse to start.
     */
    public void startAgain() {
        launch(List.of());
    }

    /** As {@link #startAgain()}, with {@code onceFlags} added for this process only (e.g. {@code --force-new-cluster}). */
    public void startAgainWith(String... onceFlags) {
        launch(List.of(onceFlags));
    }

    private void launch() {
        launch(List.of());
    }

    private void launch(List<String> onceFlags) {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        List<String> command = new ArrayList<>();
        if (target == Target.ETCD) {
            command.add(Binaries.etcd().orElseThrow(() -> new IllegalStateException("etcd is not installed")).toString());
        } else {
            Path launcher = KvorumProcess.home().resolve("bin").resolve("kvorum");
            if (!Files.isExecutable(launcher)) {
                throw new IllegalStateException("the kvorum distribution is missing: no executable " + launcher
                        + ". Build it first (mvn -pl launcher -am package), or run against real etcd with"
                        + " -Dkvorum.it.target=etcd");
            }
            command.add(launcher.toString());
        }
        command.addAll(List.of(
                "--name", name,
                "--data-dir", dataDir().toString(),
                "--listen-client-urls", clientUrl().toString(),
                "--advertise-client-urls", clientUrl().toString(),
                "--listen-peer-urls", listenPeerUrl().toString(),
                "--initial-advertise-peer-urls", peerUrl().toString()));
        command.addAll(bootFlags);
        command.addAll(clusterFlags);
        command.addAll(onceFlags);
        if (target == Target.ETCD) {
            command.addAll(List.of("--logger", "zap", "--log-outputs", "stderr"));
        } else {
            command.addAll(List.of("--consensus", "raft"));
        }
        Path logDir = workDir.resolve(target.name().toLowerCase() + "-" + System.nanoTime());
        process = ManagedProcess.start(name, command, logDir, Map.of());
    }

    /**
     * Waits until the member answers Maintenance.Status and knows a leader: it serves. Fails with
     * the log tail if the process ends or a minute passes.
     */
    public StatusResponse awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited during start\n" + logTail());
            }
            Optional<StatusResponse> status = status();
            if (status.isPresent() && status.get().getLeader() != 0) {
                return status.get();
            }
            ManagedProcess.pause(50);
        }
        throw new IllegalStateException(name + " did not serve with a known leader within "
                + START_TIMEOUT.toSeconds() + " s\n" + logTail());
    }

    /** Maintenance.Status, or empty when the member does not answer (down, starting, overloaded). */
    public Optional<StatusResponse> status() {
        if (!isAlive()) {
            return Optional.empty();
        }
        probe.reconnectNow();
        try {
            StatusResponse s = probe.status();
            id = s.getHeader().getMemberId();
            return Optional.of(s);
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether this member is up and reports itself as the leader. */
    public boolean isLeader() {
        return status().map(s -> s.getLeader() != 0 && s.getLeader() == s.getHeader().getMemberId()).orElse(false);
    }

    /** kill -9, and wait until it is gone. */
    public void kill() {
        if (process != null) {
            process.kill();
        }
    }

    /** SIGSTOP to the member's processes: it stops in its tracks, its sockets stay open. */
    public void suspend() {
        process.signal("STOP");
    }

    /** SIGCONT after {@link #suspend()}. */
    public void resume() {
        process.signal("CONT");
    }

    /** The running process of this member and its descendants (empty when down). */
    public List<ProcessHandle> processTree() {
        ManagedProcess p = process;
        return p == null || !p.isAlive() ? List.of() : p.tree();
    }

    /** SIGTERM and wait (SIGKILL after 20 s). */
    public void stop() {
        if (process != null) {
            process.terminate(Duration.ofSeconds(20));
        }
    }

    /** Waits up to {@code timeout} for the process to end by itself (e.g. after its removal). */
    public boolean awaitExit(Duration timeout) {
        return process == null || process.waitFor(timeout);
    }

    /** The exit code of the last process; it must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    public String logTail() {
        return process == null ? name + " was never started\n" : process.tail(40);
    }

    /** Everything every process of this member has logged so far, in no particular order of starts. */
    public String allLogs() {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(workDir)) {
            // not under the data dir: RocksDB's write-ahead files end in .log too
            for (Path log : files.filter(p -> p.getFileName().toString().endsWith(".log") && !p.startsWith(dataDir()))
                    .toList()) {
                all.append(Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the logs under " + workDir, e);
        }
        return all.toString();
    }

    void closeProbe() {
        probe.close();
    }

    @Override
    public String toString() {
        return name + " (" + target.name().toLowerCase() + ", client " + clientPort + ", peer " + peerPort
                + (id == 0 ? "" : ", id " + Long.toHexString(id)) + (isAlive() ? "" : ", down") + ")";
    }
}
