package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.StateRole;
import io.kvorum.consensus.raft.core.Status;
import io.kvorum.consensus.raft.linearizability.LinearizabilityChecker;
import io.kvorum.consensus.raft.linearizability.Operation;
import io.kvorum.consensus.raft.wal.PowerLossFiles;
import io.kvorum.consensus.raft.wal.SegmentFiles;
import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One seeded run of a cluster of production drivers: each member is a real {@link RaftNode}
 * (driver, Ready loop, WAL on a {@link PowerLossFiles} layer, snapshot files, member registry)
 * over a {@link SimPeerNetwork}, with a {@link RecordingStateMachine}; the simulation owns the
 * clock (one step of every member per simulated millisecond, a tick every 10) and runs snapshot
 * writes when it chooses. Chaos: power cuts that drop unsynced WAL writes (some in the middle of a
 * leader's sync, after its appends left), restarts that reopen the WAL, partitions, a lossy
 * network, leadership transfers and membership changes through the SPI (add a learner that then
 * joins, promote it, remove members), while clients write and read (ReadIndex) a small key-value
 * store. After every step: election safety, state machine safety and commit indexes that never go
 * back; at the end, linearizability of the client history, after a calm phase that must serve
 * clients again. Every random choice derives from the seed.
 */
final class DriverSimulation {

    /** A deliberate bug, to show the checks catch it. */
    enum Fault {
        NONE,
        /** The disk acknowledges a sync it did not do: the driver answers before its WAL is durable. */
        ACK_BEFORE_SYNC
    }

    record Options(long seed, int members, int chaosMillis, Fault fault, Path root) {
    }

    /** What a passing run did, to show the simulation exercised something. */
    record Result(int writes, int reads, int unknown, int parkedWrites, int crashes, int crashesInSync,
                  int partitions, int transfers, int joins, int promotions, int removals, int snapshotsRestored,
                  int leaders, int clusterCuts) {
        Result plus(Result o) {
            return new Result(writes + o.writes, reads + o.reads, unknown + o.unknown, parkedWrites + o.parkedWrites,
                    crashes + o.crashes, crashesInSync + o.crashesInSync, partitions + o.partitions,
                    transfers + o.transfers, joins + o.joins, promotions + o.promotions, removals + o.removals,
                    snapshotsRestored + o.snapshotsRestored, leaders + o.leaders, clusterCuts + o.clusterCuts);
        }
    }

    static final Result NOTHING = new Result(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    private static final long MS = 1_000_000L;
    private static final long CLUSTER_ID = 0x51A1L;
    private static final String[] KEYS = {"a", "b", "c", "d"};
    private static final int CALM_MILLIS = 4000;
    private static final int OPERATION_TIMEOUT_MILLIS = 1500;
    private static final int MAX_PENDING_OPERATIONS = 6;
    private static final int REMOVED_STAYS_MILLIS = 100;

    /** One member: its disk, state machine and identity outlive its incarnations. */
    private final class SimMember {
        final Member spec;
        final Path dir;
        final PowerLossFiles disk;
        final SegmentFiles files;
        final RecordingStateMachine sm = new RecordingStateMachine();
        final SimDriving driving;
        final boolean existing;
        List<Member> initial;
        RaftNode node;
        int incarnation;
        boolean removed;
        long restartAt = -1;
        long removedAt = -1;
        long checkedApplied;

        SimMember(Member spec, boolean existing, List<Member> initial) throws IOException {
            this.spec = spec;
            this.existing = existing;
            this.initial = initial;
            this.dir = Files.createDirectories(options.root().resolve("m" + Long.toHexString(spec.id())));
            this.disk = new PowerLossFiles(random.nextLong());
            this.files = options.fault() == Fault.ACK_BEFORE_SYNC ? new LyingSyncFiles(disk) : disk;
            this.driving = new SimDriving(() -> now * MS, random.split());
        }

        boolean isUp() {
            return node != null;
        }

        @Override
        public String toString() {
            return Long.toHexString(spec.id()) + (removed ? " removed" : isUp() ? " up" : " down");
        }
    }

    /** A client request in flight. */
    private static final class Pending {
        final long requestId;
        final SimMember member;
        final int incarnation;
        final boolean write;
        final String key;
        final long value;
        final long invoke;
        final long deadline;
        /** Sent while its member knew no leader: the driver parked it. */
        boolean parked;
        long readIndex = -1;

        Pending(long requestId, SimMember member, boolean write, String key, long value, long invoke, long deadline) {
            this.requestId = requestId;
            this.member = member;
            this.incarnation = member.incarnation;
            this.write = write;
            this.key = key;
            this.value = value;
            this.invoke = invoke;
            this.deadline = deadline;
        }
    }

    private final Options options;
    private final SplittableRandom random;
    private final SimPeerNetwork network;
    private final TreeMap<Long, SimMember> members = new TreeMap<>();
    private final List<Pending> pending = new ArrayList<>();
    private final List<Operation> history = new ArrayList<>();
    private final DriverSafety safety = new DriverSafety();
    private final ArrayDeque<String> trace = new ArrayDeque<>();
    private boolean chaosOn = true;
    private long now;
    private long clock;
    private long nextRequestId = 1;
    private long nextValue = 1;
    private int nextMember;
    private int writes, reads, unknown, parkedWrites, crashes, crashesInSync, partitions, transfers, joins, promotions, removals,
            leaders, clusterCuts;

    DriverSimulation(Options options) throws IOException {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.network = new SimPeerNetwork(random.split(), 0.02, 0.01, 4,
                Files.createDirectories(options.root().resolve("spool")));
        List<Member> initial = new ArrayList<>();
        for (int i = 0; i < options.members(); i++) {
            initial.add(newSpec());
        }
        for (Member m : initial) {
            members.put(m.id(), new SimMember(m, false, initial));
        }
    }

    private Member newSpec() {
        int n = ++nextMember;
        return new Member(0x5100 + n, "s" + n, List.of("http://s" + n + ":2380"), List.of("http://s" + n + ":2379"),
                false);
    }

    Result run() {
        try {
            for (SimMember m : members.values()) {
                start(m);
            }
            for (now = 1; now <= options.chaosMillis(); now++) {
                chaos();
                step();
            }
            calm();
            Optional<List<Operation>> violation = LinearizabilityChecker.findViolation(history);
            if (violation.isPresent()) {
                StringBuilder s = new StringBuilder("history is not linearizable for key ")
                        .append(violation.get().get(0).key()).append(":\n");
                violation.get().forEach(op -> s.append("  ").append(op).append('\n'));
                throw failure(s.toString(), null);
            }
            return new Result(writes, reads, unknown, parkedWrites, crashes, crashesInSync, partitions, transfers, joins, promotions,
                    removals, members.values().stream().mapToInt(m -> m.sm.snapshotsRestored()).sum(), leaders,
                    clusterCuts);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(e.toString(), e);
        } finally {
            for (SimMember m : members.values()) {
                if (m.isUp()) {
                    stop(m);
                }
            }
        }
    }

    List<Operation> history() {
        return List.copyOf(history);
    }

    private AssertionError failure(String what, Throwable cause) {
        return new AssertionError("seed " + options.seed() + " (" + options.members() + " members, fault "
                + options.fault() + ") failed at " + now + " ms: " + what + "\nrerun: " + DriverSimulationTest.RERUN
                + " -Draft.driver.sim.seed=" + options.seed() + "\nlast events:\n" + String.join("\n", trace), cause);
    }

    private void event(String what) {
        if (trace.size() == 60) {
            trace.poll();
        }
        trace.add(now + " ms: " + what);
    }

    // ---- the members

    private void start(SimMember m) {
        ConsensusSettings settings = new ConsensusSettings(List.of(URI.create(m.spec.peerUrls().get(0))),
                Duration.ofMillis(10), Duration.ofMillis(100), 25, true, true, false);
        ClusterSpec spec = new ClusterSpec(m.spec, CLUSTER_ID, "sim", m.existing, m.initial);
        RaftNode node = new RaftNode(new ConsensusContext(spec, m.dir, m.sm, settings,
                PluginOptions.of(Map.of(RaftOptions.CATCH_UP_ENTRIES_OPTION, "10",
                        RaftOptions.SEGMENT_BYTES_OPTION, "65536"))), network.factory(), m.files, m.driving);
        try {
            node.start();
        } catch (IOException e) {
            Thread.interrupted(); // a join that would have waited
            if (String.valueOf(e.getMessage()).contains("power was cut")) {
                // the cut armed for a sync came in the restart's own
                crashesInSync++;
                crashes++;
                m.sm.crash();
                m.restartAt = now + 5;
                event("power cut during the start of " + m);
                return;
            }
            if (m.existing && isJoinFailure(e)) {
                event("join of " + m + " failed: " + e.getMessage());
                m.restartAt = now + 50;
                leader().ifPresent(l -> m.initial = l.node.members()); // as an operator would look again
                return;
            }
            throw failure("member " + m + " cannot start: " + e, e);
        }
        m.node = node;
        m.incarnation++;
        m.restartAt = -1;
        m.checkedApplied = Math.min(m.checkedApplied, m.sm.appliedIndex());
        event("start " + m);
        afterStep(m);
    }

    /** A join found no member to answer, or a member list that is not the one it was started with. */
    private static boolean isJoinFailure(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("cannot join") || message.startsWith("error validating peerURLs")
                || message.startsWith("interrupted");
    }

    /** A power cut: the WAL keeps what it synced (and maybe a prefix of the rest), the state machine what was durable. */
    private void crash(SimMember m, String how) {
        try {
            m.disk.cut(random.nextBoolean() ? PowerLossFiles.Loss.ALL : PowerLossFiles.Loss.PREFIX);
        } catch (IOException e) {
            throw failure("cannot cut the power of " + m + ": " + e, e);
        }
        stop(m);
        m.sm.crash();
        crashes++;
        m.restartAt = now + (random.nextBoolean() ? 5 + random.nextInt(30) : 100 + random.nextInt(600));
        event(how + " " + m);
        abandon(m);
    }

    private void stop(SimMember m) {
        m.driving.runSnapshotWrites(); // a write in flight ends before the member's close returns
        try {
            m.node.close();
        } catch (IOException | RuntimeException e) {
            // its files died with the power
        }
        m.node = null;
    }

    private void step() {
        network.deliverDue(now);
        startClientOperation();
        for (SimMember m : List.copyOf(members.values())) {
            if (!m.isUp()) {
                continue;
            }
            try {
                m.node.step(now * MS);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("power was cut")) {
                    crashesInSync++;
                    crash(m, "power cut during a sync of");
                    continue;
                }
                throw failure("member " + m + " failed: " + e, e);
            }
            if (m.driving.hasSnapshotWrites() && random.nextInt(4) == 0) {
                m.driving.runSnapshotWrites();
            }
            afterStep(m);
        }
        expireOperations();
    }

    /** The checks after a member's step, and what its clients see. */
    private void afterStep(SimMember m) {
        RaftNode node = m.node;
        Status st = node.raw.status();
        if (st.softState().role() == StateRole.LEADER) {
            boolean[] isNew = new boolean[1];
            check(safety.leads(m.spec.id(), st.hardState().term(), isNew));
            if (isNew[0]) {
                leaders++;
                event("leader " + m + " at term " + st.hardState().term());
            }
        }
        check(safety.commits(Long.toHexString(m.spec.id()) + "/" + m.incarnation, st.hardState().commit()));
        long applied = m.sm.appliedIndex();
        for (long i = m.checkedApplied + 1; i <= applied; i++) {
            Entry e = m.sm.entry(i);
            check(safety.applies(m.spec.id(), i, e.term(), e.data()));
            acknowledge(m, e);
        }
        m.checkedApplied = applied;
        completeReads(m);
        if (node.removed && m.removedAt < 0) {
            m.removedAt = now;
        }
        // As the server stops once removal() completes, which a removed leader delays by ten
        // heartbeats so that the others learn the commit first.
        if (node.removed && now - m.removedAt >= REMOVED_STAYS_MILLIS && !m.removed) {
            m.removed = true;
            removals++;
            event("removed " + m);
            stop(m);
            abandon(m);
        }
    }

    private void check(Optional<String> violation) {
        if (violation.isPresent()) {
            throw failure(violation.get(), null);
        }
    }

    // ---- clients

    private void startClientOperation() {
        if (pending.size() >= MAX_PENDING_OPERATIONS || random.nextDouble() > 0.03) {
            return;
        }
        List<SimMember> up = members.values().stream().filter(SimMember::isUp).toList();
        if (up.isEmpty()) {
            return;
        }
        SimMember m = up.get(random.nextInt(up.size()));
        String key = KEYS[random.nextInt(KEYS.length)];
        long requestId = nextRequestId++;
        long invoke = ++clock;
        if (random.nextBoolean()) {
            long value = nextValue++;
            Pending p = new Pending(requestId, m, true, key, value, invoke, now + OPERATION_TIMEOUT_MILLIS);
            p.parked = m.node.leaderId == 0;
            pending.add(p);
            m.node.propose(("w " + requestId + " " + key + " " + value).getBytes(StandardCharsets.UTF_8))
                    .whenComplete((ok, error) -> {
                        if (error != null && pending.remove(p)) {
                            timedOut(p); // refused or parked past the deadline: it may still commit
                        }
                    });
        } else {
            Pending p = new Pending(requestId, m, false, key, 0, invoke, now + OPERATION_TIMEOUT_MILLIS);
            pending.add(p);
            m.node.readIndex().whenComplete((index, error) -> {
                if (error != null) {
                    pending.remove(p);
                } else {
                    p.readIndex = index;
                }
            });
        }
    }

    /** A write is acknowledged when the member its client asked applies it, as the server answers. */
    private void acknowledge(SimMember m, Entry e) {
        if (e.data().length == 0) {
            return;
        }
        long requestId = Long.parseLong(new String(e.data(), StandardCharsets.UTF_8).split(" ")[1]);
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.write && p.requestId == requestId && p.member == m && p.incarnation == m.incarnation) {
                it.remove();
                history.add(new Operation(p.requestId, p.key, true, p.value, p.invoke, ++clock));
                writes++;
                if (p.parked) {
                    parkedWrites++;
                }
            }
        }
    }

    private void completeReads(SimMember m) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.write && p.member == m && p.incarnation == m.incarnation && p.readIndex >= 0
                    && m.sm.appliedIndex() >= p.readIndex) {
                it.remove();
                history.add(new Operation(p.requestId, p.key, false, valueOf(m, p.key), p.invoke, ++clock));
                reads++;
            }
        }
    }

    private static long valueOf(SimMember m, String key) {
        for (long i = m.sm.appliedIndex(); i >= 1; i--) {
            byte[] data = m.sm.entry(i).data();
            if (data.length > 0) {
                String[] w = new String(data, StandardCharsets.UTF_8).split(" ");
                if (w[2].equals(key)) {
                    return Long.parseLong(w[3]);
                }
            }
        }
        return 0;
    }

    private void expireOperations() {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.deadline <= now) {
                it.remove();
                timedOut(p);
            }
        }
    }

    private void abandon(SimMember m) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.member == m) {
                it.remove();
                timedOut(p);
            }
        }
    }

    private void timedOut(Pending p) {
        if (p.write) {
            history.add(new Operation(p.requestId, p.key, true, p.value, p.invoke, Operation.UNKNOWN));
            unknown++;
        }
    }

    // ---- chaos

    private void chaos() {
        for (SimMember m : List.copyOf(members.values())) {
            if (!m.isUp() && !m.removed && m.restartAt >= 0 && m.restartAt <= now) {
                start(m);
            }
        }
        double r = random.nextDouble();
        if (r < 0.0005) {
            List<SimMember> up = upMembers();
            if (!up.isEmpty() && mayCrash()) {
                crash(up.get(random.nextInt(up.size())), "power cut of");
            }
        } else if (r < 0.0008) {
            leader().filter(l -> mayCrash()).ifPresent(l -> {
                l.disk.cutAtNextForce(PowerLossFiles.Loss.PREFIX); // after its appends went out
                event("power cut armed for the next sync of " + l);
            });
        } else if (r < 0.0012) {
            partition();
        } else if (r < 0.0032 && network.isPartitioned()) {
            network.healAll();
            event("heal");
        } else if (r < 0.0035) {
            leader().ifPresent(l -> {
                List<Long> voters = l.node.raw.confState().voters();
                long target = voters.get(random.nextInt(voters.size()));
                transfers++;
                event("transfer " + l + " -> " + Long.toHexString(target));
                l.node.transferLeadership(target);
            });
        } else if (r < 0.0040) {
            changeMembership();
        } else if (r < 0.0041) {
            // the whole cluster loses power at once (a rack or a building): only what each member
            // synced survives, so an acknowledged write must have been synced by a quorum
            List<SimMember> up = upMembers();
            if (!up.isEmpty()) {
                clusterCuts++;
                event("power cut of the whole cluster");
                up.forEach(m -> crash(m, "power cut of"));
            }
        }
    }

    private List<SimMember> upMembers() {
        return members.values().stream().filter(SimMember::isUp).toList();
    }

    private boolean mayCrash() {
        long down = members.values().stream().filter(m -> !m.isUp() && !m.removed).count();
        return down < (options.members() - 1) / 2;
    }

    private Optional<SimMember> leader() {
        return upMembers().stream().filter(m -> m.node.isLeader()).findFirst();
    }

    private void partition() {
        List<Long> ids = members.values().stream().filter(m -> !m.removed).map(m -> m.spec.id()).toList();
        long victim = ids.get(random.nextInt(ids.size()));
        partitions++;
        if (random.nextBoolean()) {
            ids.forEach(o -> {
                network.cut(victim, o);
                network.cut(o, victim);
            });
            event("isolate " + Long.toHexString(victim));
        } else {
            ids.forEach(o -> network.cut(random.nextBoolean() ? victim : o, random.nextBoolean() ? o : victim));
            event("one-way cuts around " + Long.toHexString(victim));
        }
    }

    /** Through the leader's SPI, as a client's MemberAdd/Promote/Remove: promote a learner, remove, or add one. */
    private void changeMembership() {
        Optional<SimMember> leader = leader();
        if (leader.isEmpty()) {
            return;
        }
        RaftNode node = leader.get().node;
        List<Member> known = node.members();
        List<Member> learners = known.stream().filter(Member::learner)
                .filter(l -> members.containsKey(l.id()) && members.get(l.id()).isUp()).toList();
        long voters = known.stream().filter(mb -> !mb.learner()).count();
        if (!learners.isEmpty() && random.nextBoolean()) {
            Member l = learners.get(random.nextInt(learners.size()));
            event("promote " + Long.toHexString(l.id()));
            node.promoteMember(l.id()).whenComplete((ok, e) -> {
                if (e == null) {
                    promotions++;
                }
            });
        } else if (voters > 3 || (!learners.isEmpty() && random.nextBoolean())) {
            Member victim = known.get(random.nextInt(known.size()));
            if (!victim.learner() && voters <= 2) {
                // Two voters to one: if the one left misses the commit (a cut or a crash in the
                // moment the removed leader stays), it waits forever for the other's vote, in
                // etcd as here. Raft's liveness, not its safety: not this simulation's subject.
                return;
            }
            event("remove " + Long.toHexString(victim.id()));
            node.removeMember(victim.id());
        } else if (members.size() < options.members() + 4) {
            Member spec = newSpec();
            event("add learner " + spec.name());
            node.addMember(spec.peerUrls(), true).whenComplete((added, e) -> {
                if (e != null) {
                    return;
                }
                List<Member> initial = new ArrayList<>(node.members());
                try {
                    SimMember joiner = new SimMember(new Member(added.id(), spec.name(), spec.peerUrls(),
                            spec.clientUrls(), true), true, initial);
                    members.put(added.id(), joiner);
                    joins++;
                    joiner.restartAt = now + 1;
                } catch (IOException ex) {
                    throw failure("cannot create a member's directory: " + ex, ex);
                }
            });
        }
    }

    /** Heal everything, restart everyone not removed, and require the cluster to serve clients again. */
    private void calm() {
        chaosOn = false;
        network.healAll();
        for (SimMember m : List.copyOf(members.values())) {
            if (!m.isUp() && !m.removed) {
                m.restartAt = now;
            }
        }
        event("calm: all healed and restarted");
        int writesBefore = writes;
        int readsBefore = reads;
        long end = now + CALM_MILLIS;
        for (; now <= end; now++) {
            for (SimMember m : List.copyOf(members.values())) {
                if (!m.isUp() && !m.removed && m.restartAt >= 0 && m.restartAt <= now) {
                    start(m);
                }
            }
            step();
        }
        if (writes == writesBefore || reads == readsBefore) {
            throw failure("no progress: " + (writes - writesBefore) + " writes and " + (reads - readsBefore)
                    + " reads completed in " + CALM_MILLIS + " calm ms; " + members.values(), null);
        }
        for (Pending p : pending) {
            timedOut(p);
        }
        pending.clear();
    }
}
