package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.wal.SegmentFiles;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Raft members in one JVM over a {@link LocalNetwork}, each with its own directory and
 * {@link RecordingStateMachine}. Waits poll with generous limits: a loaded machine only makes
 * tests slower, never wrong.
 */
final class LocalCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long CLUSTER_ID = 0xC1A55E5L;

    final LocalNetwork network = new LocalNetwork();
    private final Path root;
    private final long snapshotCount;
    private final Map<String, String> options;
    private final List<Member> initial = new ArrayList<>();
    final Map<Long, Member> specs = new LinkedHashMap<>();
    final Map<Long, RaftNode> nodes = new LinkedHashMap<>();
    final Map<Long, RecordingStateMachine> machines = new LinkedHashMap<>();
    /** {@code --initial-election-tick-advance} for members started from now on. */
    boolean initialElectionTickAdvance = true;
    /** {@code --force-new-cluster} for members started from now on. */
    boolean forceNewCluster;
    /** Where each member's WAL files are opened: on disk unless a test puts a power-cut layer there. */
    final Map<Long, SegmentFiles> walFiles = new LinkedHashMap<>();

    LocalCluster(Path root, int size, long snapshotCount, Map<String, String> options) {
        this.root = root;
        this.snapshotCount = snapshotCount;
        this.options = options;
        for (int i = 1; i <= size; i++) {
            Member m = member(i);
            initial.add(m);
            specs.put(m.id(), m);
        }
    }

    static Member member(int i) {
        return new Member(0x100 + i, "m" + i, List.of("http://m" + i + ":2380"), List.of("http://m" + i + ":2379"),
                false);
    }

    static LocalCluster started(Path root, int size, long snapshotCount, Map<String, String> options)
            throws IOException {
        LocalCluster c = new LocalCluster(root, size, snapshotCount, options);
        for (long id : List.copyOf(c.specs.keySet())) {
            c.start(id);
        }
        return c;
    }

    ConsensusSettings settings(Member m) {
        // Elections of 0.5 to 1 s: a busy machine delays heartbeats without deposing leaders.
        return new ConsensusSettings(List.of(URI.create(m.peerUrls().get(0))), Duration.ofMillis(25),
                Duration.ofMillis(500), snapshotCount, true, true, initialElectionTickAdvance, forceNewCluster);
    }

    /** Starts (or restarts) member {@code id} as one of the initial cluster. */
    RaftNode start(long id) throws IOException {
        return start(specs.get(id), false, initial);
    }

    RaftNode start(Member self, boolean existing, List<Member> initialMembers) throws IOException {
        RecordingStateMachine sm = machines.computeIfAbsent(self.id(), k -> new RecordingStateMachine());
        Path memberDir = directory(self.id());
        ClusterSpec spec = new ClusterSpec(self, CLUSTER_ID, "token", existing, initialMembers);
        RaftNode node = new RaftNode(new ConsensusContext(spec, memberDir, sm, settings(self),
                PluginOptions.of(options)), network.factory(), walFiles.getOrDefault(self.id(), SegmentFiles.onDisk()));
        node.start();
        specs.put(self.id(), self);
        nodes.put(node.status().memberId(), node);
        return node;
    }

    Path directory(long id) {
        return root.resolve("m" + Long.toHexString(id));
    }

    /** Stops member {@code id} cleanly (its state machine keeps what it applied). */
    void stop(long id) throws IOException {
        nodes.remove(id).close();
    }

    /** Stops member {@code id} and loses what its state machine had not made durable. */
    void crash(long id) throws IOException {
        stop(id);
        machines.get(id).crash();
    }

    List<Member> initialMembers() {
        return List.copyOf(initial);
    }

    long awaitLeader() {
        long[] leader = new long[1];
        await("a leader known to every running member", () -> {
            long seen = 0;
            for (RaftNode n : nodes.values()) {
                long l = n.status().leaderId();
                if (l == 0 || (seen != 0 && l != seen) || !nodes.containsKey(l)) {
                    return false;
                }
                seen = l;
            }
            leader[0] = seen;
            return true;
        });
        return leader[0];
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    List<Long> followers(long leader) {
        return nodes.keySet().stream().filter(id -> id != leader).toList();
    }

    /** Proposes on {@code id}, retrying while there is no leader, and waits until every running member applied it. */
    void proposeAndAwait(long id, String payload) {
        propose(id, payload);
        await("every member applied " + payload, () -> nodes.keySet().stream()
                .allMatch(m -> machines.get(m).payloads().contains(payload)));
    }

    void propose(long id, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.UTF_8);
        retry(() -> nodes.get(id).propose(data));
    }

    static <T> T retry(java.util.function.Supplier<CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return call.get().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ConsensusException ce)
                        || !(ce.reason() == ConsensusException.Reason.NO_LEADER
                        || ce.reason() == ConsensusException.Reason.LEADER_CHANGED
                        || ce.reason() == ConsensusException.Reason.TIMEOUT)
                        || System.nanoTime() - deadline > 0) {
                    throw new AssertionError(e.getCause());
                }
                pause();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            pause();
        }
    }

    static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws Exception {
        for (RaftNode n : nodes.values()) {
            n.close();
        }
        nodes.clear();
        network.close();
    }
}
