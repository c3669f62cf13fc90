package io.kvorum.tck.consensus;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Consensus} owes the server, as tests. A consensus plugin runs them against
 * itself by extending this class in its own tests and naming its provider:
 *
 * <pre>{@code
 * class MyConsensusTckTest extends ConsensusTck {
 *     @Override
 *     protected ConsensusProvider provider() {
 *         return new MyConsensusProvider();
 *     }
 *
 *     @Override
 *     protected boolean supportsMultipleMembers() {
 *         return true;
 *     }
 * }
 * }</pre>
 *
 * Each test builds members in a temporary directory (one folder each, with peer URLs on free
 * loopback ports) over a state machine of the TCK's that records what it is handed and every
 * breach of the {@link io.kvorum.spi.consensus.StateMachine} contract: entries not starting right
 * after the applied index (a gap, or an entry delivered again), terms going back, a proposal applied
 * twice, calls overlapping, non-durable applies from a consensus whose log is not durable. A test
 * fails if any was seen.
 *
 * <p>A restart is judged as a crash would judge it: the state machine keeps what was applied up to
 * its last durable apply, so a consensus that applied entries without durability must deliver them
 * again from its own log, after the state machine's applied index and never at or before it.
 *
 * <p>The tests of one member run for every provider. Those of a cluster run when
 * {@link #supportsMultipleMembers()} says so; a single-member provider must instead refuse
 * membership changes with {@link ConsensusException.Reason#UNSUPPORTED}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class ConsensusTck {
    private static final long CLUSTER_ID = 0x6b766f72756d7463L;

    @TempDir
    protected Path directory;

    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<MemberUnderTest> members = new ArrayList<>();

    /** The plugin under test. */
    protected abstract ConsensusProvider provider();

    /** The plugin's options for every member a test builds. */
    protected Map<String, String> options() {
        return Map.of();
    }

    /**
     * Whether the provider forms clusters of several members; if so the cluster tests run too,
     * with {@link #clusterSize()} members.
     */
    protected boolean supportsMultipleMembers() {
        return false;
    }

    /**
     * Whether a cluster of the provider's changes its members (MemberAdd, MemberRemove, ...); if
     * so the membership tests run too. By default, when it forms clusters at all.
     */
    protected boolean supportsMembershipChanges() {
        return supportsMultipleMembers();
    }

    /** How many members the cluster tests start. */
    protected int clusterSize() {
        return 3;
    }

    /**
     * The member-wide settings; by default etcd's timing with a small {@code --snapshot-count}, so
     * that a provider keeping a log snapshots and releases it within a test.
     */
    protected ConsensusSettings settings(List<URI> listenPeerUrls) {
        return new ConsensusSettings(listenPeerUrls, Duration.ofMillis(100), Duration.ofMillis(1000),
                snapshotCount(), true, true);
    }

    /** {@code --snapshot-count} for every member. */
    protected long snapshotCount() {
        return 16;
    }

    /** The longest a test waits for one thing to happen (an election, an entry applied, a close). */
    protected Duration patience() {
        return Duration.ofSeconds(30);
    }

    @AfterEach
    void closeMembersAndReportViolations() throws IOException {
        IOException failed = null;
        for (MemberUnderTest m : members) {
            try {
                m.close();
            } catch (IOException e) {
                failed = failed == null ? e : failed;
            }
        }
        members.clear();
        assertEquals(List.of(), violations, "breaches of the state machine contract");
        if (failed != null) {
            throw failed;
        }
    }

    // ---- one member --------------------------------------------------------------------------

    @Test
    void startedMemberLeadsItselfAndReportsItsIds() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        ConsensusStatus status = awaitLeader(List.of(m));
        assertEquals(m.id(), status.memberId(), "member id");
        assertEquals(CLUSTER_ID, status.clusterId(), "cluster id");
        assertEquals(m.id(), status.leaderId(), "a single member leads");
        assertTrue(status.term() >= 1, "term " + status.term());
        assertFalse(status.learner(), "a single member votes");
        assertTrue(status.commitIndex() >= status.appliedIndex(),
                "commit index " + status.commitIndex() + " below applied index " + status.appliedIndex());
        assertTrue(c.members().stream().anyMatch(member -> member.id() == m.id()), "members " + c.members());
    }

    @Test
    void membersNameThisMemberWithItsPeerUrls() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        Member self = c.members().stream().filter(member -> member.id() == m.id()).findFirst()
                .orElseThrow(() -> new AssertionError("members " + c.members() + " lack this member"));
        assertEquals(m.cluster().self().peerUrls(), self.peerUrls());
        assertFalse(self.learner());
        assertEquals(1, c.members().size(), "members " + c.members());
    }

    @Test
    void proposalsOfOneThreadAreAppliedInTheirOrderOnceEachAtGaplessIndexes() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        List<String> proposed = proposeInSequence(c, "seq", 300);
        m.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
        assertEquals(proposed, m.machine().payloads());
        assertGapless(m.machine().history());
    }

    @Test
    void concurrentProposalsAreEachAppliedOnceKeepingEachThreadsOrder() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        List<List<String>> perThread = proposeConcurrently(c, "con", 4, 250);
        for (List<String> proposals : perThread) {
            for (String p : proposals) {
                m.machine().awaitPayload(p, patience());
            }
        }
        List<String> applied = m.machine().payloads();
        assertEquals(1000, applied.size(), "proposals applied");
        for (List<String> proposals : perThread) {
            String thread = proposals.get(0).substring(0, proposals.get(0).lastIndexOf('-'));
            assertEquals(proposals, applied.stream().filter(p -> p.startsWith(thread + "-")).toList(),
                    "the order of " + thread);
        }
        assertGapless(m.machine().history());
    }

    @Test
    void appliedEntriesSurviveARestartAndNoneIsDeliveredAgain() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        List<String> first = proposeInSequence(c, "before", 100);
        m.machine().awaitPayload(first.get(first.size() - 1), patience());
        long appliedBefore = m.machine().appliedIndex();

        c = m.restart();
        awaitLeader(List.of(m));
        List<String> second = proposeInSequence(c, "after", 100);
        m.machine().awaitPayload(second.get(second.size() - 1), patience());

        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(all, m.machine().payloads(), "every proposal once, in order, across the restart");
        assertGapless(m.machine().history());
        assertTrue(m.machine().appliedIndex() > appliedBefore);
    }

    @Test
    void restartsWithProposalsInFlightKeepOneHistory() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        Set<String> appliedBeforeAClose = new HashSet<>();
        for (int round = 0; round < 3; round++) {
            awaitLeader(List.of(m));
            // Proposals still on their way when the member closes may be applied or dropped, but
            // never twice, and whatever was applied before the close must still be there after.
            proposeAsync(c, "round" + round, 200);
            // the first of them, not "one more than applied now": a fast member may have applied all 200
            m.machine().awaitPayload("round" + round + "-0", patience());
            m.stop();
            appliedBeforeAClose.addAll(m.machine().payloads());
            c = m.restart();
        }
        awaitLeader(List.of(m));
        List<String> last = proposeInSequence(c, "last", 10);
        m.machine().awaitPayload(last.get(last.size() - 1), patience());
        List<String> payloads = m.machine().payloads();
        Set<String> missing = new HashSet<>(appliedBeforeAClose);
        payloads.forEach(missing::remove);
        assertEquals(Set.of(), missing, "applied before a close, lost after the restart");
        assertEquals(payloads.size(), new HashSet<>(payloads).size(), "a proposal applied twice");
        assertGapless(m.machine().history());
    }

    @Test
    void historyStaysWholeWhileTheLogIsSnapshotted() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        List<String> all = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            awaitLeader(List.of(m));
            // several snapshot counts' worth of entries per round
            List<String> proposed = proposeInSequence(c, "snap" + round, (int) Math.min(5 * snapshotCount(), 2000));
            m.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
            all.addAll(proposed);
            c = m.restart();
        }
        awaitLeader(List.of(m));
        // a restarted member may deliver what it recovers after start returns: wait for a new proposal
        get(c.propose("snap-marker".getBytes(UTF_8)));
        m.machine().awaitPayload("snap-marker", patience());
        all.add("snap-marker");
        assertEquals(all, m.machine().payloads());
        assertGapless(m.machine().history());
    }

    @Test
    void termNeverGoesBackAcrossRestarts() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        long term = awaitLeader(List.of(m)).term();
        for (int round = 0; round < 3; round++) {
            proposeInSequence(c, "term" + round, 5);
            m.machine().awaitPayload("term" + round + "-4", patience());
            assertTrue(c.status().term() >= m.machine().appliedTerm(),
                    "status term " + c.status().term() + " below the applied entry's " + m.machine().appliedTerm());
            c = m.restart();
            long now = awaitLeader(List.of(m)).term();
            assertTrue(now >= term, "term " + now + " after a restart, " + term + " before");
            term = now;
        }
    }

    @Test
    void statusIndexesFollowTheStateMachine() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        List<String> proposed = proposeInSequence(c, "status", 20);
        long index = m.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
        ConsensusStatus status = c.status();
        assertTrue(status.appliedIndex() >= index, "status applied index " + status.appliedIndex()
                + ", yet " + index + " was applied before the call");
        assertTrue(status.commitIndex() >= status.appliedIndex(), status.toString());
        assertTrue(status.appliedIndex() <= m.machine().appliedIndex(),
                "status applied index " + status.appliedIndex() + " ahead of the state machine's "
                        + m.machine().appliedIndex());
    }

    @Test
    void readIndexCoversEveryProposalAppliedBeforeIt() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        for (int i = 0; i < 50; i++) {
            String p = "read-" + i;
            get(c.propose(p.getBytes(UTF_8)));
            long index = m.machine().awaitPayload(p, patience());
            long readIndex = get(c.readIndex());
            assertTrue(readIndex >= index, "read index " + readIndex + " after " + p + " was applied at " + index);
            m.machine().awaitApplied(readIndex, patience());
        }
    }

    @Test
    void readIndexIsNeverBehindTheAppliedIndexWhileProposalsFlow() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                String thread = "flow" + t;
                // each writer waits for its proposal to be applied, as a client waits for its answer
                running.add(writers.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String p = thread + "-" + i;
                        get(c.propose(p.getBytes(UTF_8)));
                        m.machine().awaitPayload(p, patience());
                    }
                    return null;
                }));
            }
            for (int i = 0; i < 300; i++) {
                long applied = m.machine().appliedIndex();
                long readIndex = get(c.readIndex());
                assertTrue(readIndex >= applied, "read index " + readIndex + " behind applied index " + applied);
                m.machine().awaitApplied(readIndex, patience());
            }
            stop.set(true);
            for (Future<?> f : running) {
                f.get(patience().toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            stop.set(true);
            writers.shutdownNow();
        }
    }

    @Test
    void readIndexOfAnIdleMemberIsReached() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        long readIndex = get(c.readIndex());
        m.machine().awaitApplied(readIndex, patience());
        c = m.restart();
        awaitLeader(List.of(m));
        m.machine().awaitApplied(get(c.readIndex()), patience());
    }

    @Test
    void closeIsPromptAndIdempotent() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        proposeAsync(c, "closing", 500);
        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
            try {
                c.close();
                c.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            closed.get(patience().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            fail("close did not return within " + patience());
        }
        m.stop(); // and a third time, as the server's shutdown path may
    }

    @Test
    void closeWithoutStartIsHarmless() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.create();
        c.close();
        m.stop();
        assertEquals(0, m.machine().appliedIndex(), "entries delivered without a start");
    }

    @Test
    void proposalsAfterCloseFailAsStopped() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        get(c.propose("before-close".getBytes(UTF_8)));
        m.machine().awaitPayload("before-close", patience());
        m.stop();
        CompletableFuture<Void> late = c.propose("after-close".getBytes(UTF_8));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> late.get(patience().toMillis(), TimeUnit.MILLISECONDS));
        ConsensusException why = assertInstanceOf(ConsensusException.class, e.getCause());
        assertEquals(ConsensusException.Reason.STOPPED, why.reason(), why.getMessage());
        assertFalse(m.machine().payloads().contains("after-close"));
    }

    @Test
    void unknownOptionIsRefusedWhenBuilt() throws IOException {
        MemberUnderTest m = member(spec(1).get(0), Map.of("tck-no-such-option", "1"));
        assertThrows(IllegalArgumentException.class, m::create);
    }

    @Test
    void singleMemberProviderRefusesMembershipChangesAsUnsupported() throws Exception {
        assumeFalse(supportsMultipleMembers(), "the provider forms clusters");
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        assertFailsWith(ConsensusException.Reason.UNSUPPORTED, c.addMember(List.of("http://127.0.0.1:1"), false));
        assertFailsWith(ConsensusException.Reason.UNSUPPORTED, c.addMember(List.of("http://127.0.0.1:1"), true));
        assertFailsWith(ConsensusException.Reason.UNSUPPORTED, c.removeMember(m.id()));
        assertFailsWith(ConsensusException.Reason.UNSUPPORTED, c.updateMember(m.id(), List.of("http://127.0.0.1:1")));
        assertFailsWith(ConsensusException.Reason.UNSUPPORTED, c.promoteMember(m.id()));
        assertEquals(1, c.members().size());
    }

    @Test
    void leadershipMovesToTheLeaderAtOnceAndNeverToAStranger() throws Exception {
        MemberUnderTest m = single();
        Consensus c = m.start();
        awaitLeader(List.of(m));
        get(c.transferLeadership(m.id()));
        assertEquals(m.id(), c.status().leaderId());
        assertFailsWith(ConsensusException.Reason.BAD_LEADER_TRANSFEREE, c.transferLeadership(m.id() + 1));
        assertEquals(m.id(), c.status().leaderId());
    }

    // ---- a cluster ---------------------------------------------------------------------------

    @Test
    void clusterElectsOneLeaderEveryMemberKnows() throws Exception {
        List<MemberUnderTest> cluster = startCluster();
        ConsensusStatus leader = awaitLeader(cluster);
        for (MemberUnderTest m : cluster) {
            ConsensusStatus s = m.consensus().status();
            assertEquals(m.id(), s.memberId());
            assertEquals(CLUSTER_ID, s.clusterId());
            assertEquals(leader.leaderId(), s.leaderId(), m.name() + " follows another leader");
            assertEquals(cluster.size(), m.consensus().members().size(), m.name() + ": " + m.consensus().members());
        }
    }

    @Test
    void everyMemberAppliesTheSameEntriesInTheSameOrder() throws Exception {
        List<MemberUnderTest> cluster = startCluster();
        MemberUnderTest leader = leaderOf(cluster);
        List<String> proposed = proposeInSequence(leader.consensus(), "rep", 200);
        for (MemberUnderTest m : cluster) {
            m.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
        }
        assertEquals(proposed, leader.machine().payloads());
        assertSameHistories(cluster);
    }

    @Test
    void readIndexOnAFollowerCoversWhatTheLeaderApplied() throws Exception {
        List<MemberUnderTest> cluster = startCluster();
        MemberUnderTest leader = leaderOf(cluster);
        for (int i = 0; i < 20; i++) {
            String p = "fread-" + i;
            get(leader.consensus().propose(p.getBytes(UTF_8)));
            long index = leader.machine().awaitPayload(p, patience());
            for (MemberUnderTest m : cluster) {
                long readIndex = get(m.consensus().readIndex());
                assertTrue(readIndex >= index, m.name() + ": read index " + readIndex + " after " + p
                        + " was applied at " + index);
                m.machine().awaitApplied(readIndex, patience());
            }
        }
    }

    @Test
    void restartedFollowerCatchesUpBeyondSnapshots() throws Exception {
        List<MemberUnderTest> cluster = startCluster();
        MemberUnderTest leader = leaderOf(cluster);
        MemberUnderTest follower = cluster.stream().filter(m -> m != leader).findFirst().orElseThrow();
        follower.stop();
        List<String> proposed = proposeInSequence(leader.consensus(), "behind", (int) Math.min(6 * snapshotCount(), 2000));
        leader.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
        follower.restart();
        follower.machine().awaitPayload(proposed.get(proposed.size() - 1), patience());
        assertSameHistories(cluster);
    }

    @Test
    void whenTheLeaderStopsTheOthersElectAnotherAndLoseNothing() throws Exception {
        List<MemberUnderTest> cluster = startCluster();
        MemberUnderTest leader = leaderOf(cluster);
        List<String> before = proposeInSequence(leader.consensus(), "old", 50);
        leader.machine().awaitPayload(before.get(before.size() - 1), patience());
        leader.stop();
        List<MemberUnderTest> rest = cluster.stream().filter(m -> m != leader).toList();
        MemberUnderTest next = leaderOf(rest);
        assertTrue(next != leader);
        List<String> after = proposeInSequence(next.consensus(), "new", 50);
        for (MemberUnderTest m : rest) {
            m.machine().awaitPayload(after.get(after.size() - 1), patience());
            List<String> payloads = m.machine().payloads();
            assertTrue(payloads.containsAll(before), m.name() + " lost entries the old leader applied");
        }
        leader.restart();
        leader.machine().awaitPayload(after.get(after.size() - 1), patience());
        assertSameHistories(cluster);
    }

    @Test
    void aRemovedMemberLearnsItsRemovalAndTheOthersGoOn() throws Exception {
        assumeTrue(supportsMembershipChanges(), "the provider's clusters do not change their members");
        List<MemberUnderTest> cluster = startCluster();
        MemberUnderTest leader = leaderOf(cluster);
        MemberUnderTest removed = cluster.stream().filter(m -> m != leader).findFirst().orElseThrow();
        assertFalse(removed.consensus().removal().isDone(), "removal of a member nobody removed");
        removeMember(leader.consensus(), removed.id());
        // the server stops a removed member: it must learn it, even if the leader told it nothing more
        get(removed.consensus().removal());
        assertFalse(leader.consensus().removal().isDone(), "removal of a member still in the cluster");
        removed.stop();
        List<MemberUnderTest> rest = cluster.stream().filter(m -> m != removed).toList();
        MemberUnderTest next = leaderOf(rest);
        List<String> after = proposeInSequence(next.consensus(), "after-removal", 10);
        for (MemberUnderTest m : rest) {
            m.machine().awaitPayload(after.get(after.size() - 1), patience());
            assertTrue(m.consensus().members().stream().noneMatch(x -> x.id() == removed.id()),
                    m.name() + " still lists the removed member");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** A one-member cluster, not yet started. */
    private MemberUnderTest single() throws IOException {
        return member(spec(1).get(0), options());
    }

    /** Starts a cluster of {@link #clusterSize()} members; skips the test if the provider forms none. */
    private List<MemberUnderTest> startCluster() throws IOException {
        assumeTrue(supportsMultipleMembers(), "the provider runs single members only");
        List<MemberUnderTest> cluster = new ArrayList<>();
        for (ClusterSpec spec : spec(clusterSize())) {
            cluster.add(member(spec, options()));
        }
        for (MemberUnderTest m : cluster) {
            m.start();
        }
        return cluster;
    }

    private MemberUnderTest member(ClusterSpec spec, Map<String, String> options) throws IOException {
        URI peer = URI.create(spec.self().peerUrls().get(0));
        MemberUnderTest m = new MemberUnderTest(provider(), spec, directory.resolve(spec.self().name()),
                settings(List.of(peer)), PluginOptions.of(options), violations);
        members.add(m);
        return m;
    }

    /** Each member's view of one new cluster, as the server builds it: only itself named. */
    private static List<ClusterSpec> spec(int size) {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            peers.add("http://127.0.0.1:" + freePort());
        }
        List<ClusterSpec> specs = new ArrayList<>();
        for (int self = 0; self < size; self++) {
            List<Member> all = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                boolean isSelf = i == self;
                all.add(new Member(memberId(i), isSelf ? "m" + (i + 1) : "", List.of(peers.get(i)),
                        isSelf ? List.of("http://127.0.0.1:2379") : List.of(), false));
            }
            specs.add(new ClusterSpec(all.get(self), CLUSTER_ID, "tck-cluster", false, all));
        }
        return specs;
    }

    private static long memberId(int i) {
        return 0x746b636d656d0000L + i + 1;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Waits until every running member of {@code cluster} reports the same leader among them; its status. */
    private ConsensusStatus awaitLeader(List<MemberUnderTest> cluster) throws InterruptedException {
        long deadline = System.nanoTime() + patience().toNanos();
        Set<Long> ids = cluster.stream().map(MemberUnderTest::id).collect(Collectors.toSet());
        String seen = "";
        while (System.nanoTime() < deadline) {
            Map<Long, ConsensusStatus> byLeader = new HashMap<>();
            Set<Long> leaders = new HashSet<>();
            for (MemberUnderTest m : cluster) {
                if (m.running()) {
                    ConsensusStatus s = m.consensus().status();
                    leaders.add(s.leaderId());
                    byLeader.put(s.memberId(), s);
                }
            }
            seen = byLeader.values().toString();
            if (leaders.size() == 1) {
                long leader = leaders.iterator().next();
                if (leader != 0 && ids.contains(leader) && byLeader.containsKey(leader)) {
                    return byLeader.get(leader);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leader agreed on within " + patience() + ": " + seen);
    }

    private MemberUnderTest leaderOf(List<MemberUnderTest> cluster) throws InterruptedException {
        long leader = awaitLeader(cluster).leaderId();
        return cluster.stream().filter(m -> m.id() == leader).findFirst().orElseThrow();
    }

    /** Proposes {@code count} payloads one after another, each accepted before the next; the payloads. */
    private List<String> proposeInSequence(Consensus c, String thread, int count) throws Exception {
        List<String> proposed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String p = thread + "-" + i;
            get(c.propose(p.getBytes(UTF_8)));
            proposed.add(p);
        }
        return proposed;
    }

    /** Proposes from {@code threads} threads at once, each its own sequence; the payloads per thread. */
    private List<List<String>> proposeConcurrently(Consensus c, String name, int threads, int each) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String thread = name + t;
                results.add(pool.submit(() -> proposeInSequence(c, thread, each)));
            }
            List<List<String>> out = new ArrayList<>();
            for (Future<List<String>> f : results) {
                out.add(f.get(patience().toMillis(), TimeUnit.MILLISECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Proposes without waiting for anything: some may still be queued when the member closes. */
    private static void proposeAsync(Consensus c, String thread, int count) {
        for (int i = 0; i < count; i++) {
            c.propose((thread + "-" + i).getBytes(UTF_8));
        }
    }

    /**
     * Removes a member, trying again while the provider refuses for a passing reason: right after
     * start (as etcd's --strict-reconfig-check until the members have published themselves), or
     * with no leader. After a failure that leaves the outcome open (timeout, leader changed),
     * "member not found" means an earlier attempt took effect.
     */
    private void removeMember(Consensus c, long memberId) throws Exception {
        long deadline = System.nanoTime() + patience().toNanos();
        boolean mayHaveHappened = false;
        while (true) {
            try {
                c.removeMember(memberId).get(patience().toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ConsensusException why) || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("failed: " + e.getCause(), e.getCause());
                }
                switch (why.reason()) {
                    case MEMBER_NOT_FOUND -> {
                        if (mayHaveHappened) {
                            return;
                        }
                        throw new AssertionError("failed: " + why, why);
                    }
                    case NO_LEADER, LEADER_CHANGED, TIMEOUT -> mayHaveHappened = true;
                    case NOT_ENOUGH_STARTED_MEMBERS -> { }
                    default -> throw new AssertionError("failed: " + why, why);
                }
                Thread.sleep(100);
            }
        }
    }

    private <T> T get(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(patience().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = Optional.ofNullable(e.getCause()).orElse(e);
            throw new AssertionError("failed: " + cause, cause);
        }
    }

    private void assertFailsWith(ConsensusException.Reason reason, CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> future.get(patience().toMillis(), TimeUnit.MILLISECONDS));
        ConsensusException why = assertInstanceOf(ConsensusException.class, e.getCause());
        assertEquals(reason, why.reason(), why.getMessage());
    }

    /** Indexes 1, 2, 3…, terms never going back (entries the consensus used for itself included). */
    private static void assertGapless(List<Entry> history) {
        long expected = history.isEmpty() ? 1 : history.get(0).index();
        long term = 0;
        for (Entry e : history) {
            assertEquals(expected++, e.index(), "index after " + (e.index() - 1));
            assertTrue(e.term() >= term, "term " + e.term() + " at " + e.index() + " after term " + term);
            term = e.term();
        }
    }

    /** Where two members both have an entry, it is the same entry. */
    private static void assertSameHistories(List<MemberUnderTest> cluster) {
        Map<Long, Entry> first = new HashMap<>();
        String firstName = "";
        for (MemberUnderTest m : cluster) {
            List<Entry> history = m.machine().history();
            assertGapless(history);
            if (first.isEmpty()) {
                history.forEach(e -> first.put(e.index(), e));
                firstName = m.name();
                continue;
            }
            for (Entry e : history) {
                Entry other = first.get(e.index());
                if (other != null) {
                    assertEquals(other.term(), e.term(), m.name() + " and " + firstName + " at " + e.index());
                    assertEquals(TckStateMachine.payload(other), TckStateMachine.payload(e),
                            m.name() + " and " + firstName + " at " + e.index());
                }
            }
        }
    }
}
