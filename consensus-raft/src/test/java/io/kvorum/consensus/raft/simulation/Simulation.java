package io.kvorum.consensus.raft.simulation;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.ReadState;
import io.kvorum.consensus.raft.core.RequestDroppedException;
import io.kvorum.consensus.raft.core.StateRole;
import io.kvorum.consensus.raft.linearizability.LinearizabilityChecker;
import io.kvorum.consensus.raft.linearizability.Operation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * One seeded run of a cluster: a chaos phase (crashes, restarts, partitions, leadership
 * transfers, membership changes, all under a lossy network), then a calm phase with everything
 * healed in which the cluster must serve clients again. Every random choice comes from the seed,
 * so a seed replays exactly.
 */
final class Simulation {

    /**
     * @param seed    everything random derives from it
     * @param members the initial voters
     * @param ticks   length of the chaos phase
     * @param fault   a deliberate bug to inject, or {@link Fault#NONE}
     * @param trace   print every event as it happens
     */
    record Options(long seed, int members, int ticks, Fault fault, boolean trace) {
    }

    /** What a passing run did, to show the simulation exercised something. */
    record Result(int writes, int reads, int unknown, int leaders, int crashes, int partitions, int transfers,
                  int confChanges, int snapshotsSent, int appendsBeforeCrash) {
        Result plus(Result o) {
            return new Result(writes + o.writes, reads + o.reads, unknown + o.unknown, leaders + o.leaders,
                    crashes + o.crashes, partitions + o.partitions, transfers + o.transfers, confChanges + o.confChanges,
                    snapshotsSent + o.snapshotsSent, appendsBeforeCrash + o.appendsBeforeCrash);
        }
    }

    private static final String[] KEYS = {"a", "b", "c", "d", "e"};
    private static final int CALM_TICKS = 300;
    private static final int OPERATION_TIMEOUT = 80;
    private static final int MAX_PENDING_OPERATIONS = 6;

    /** A client request in flight. */
    private static final class Pending {
        final long requestId;
        final long node;
        final int incarnation;
        final boolean write;
        final String key;
        final long value;
        final long invoke;
        final long deadline;
        long readIndex = -1;

        Pending(long requestId, SimNode node, boolean write, String key, long value, long invoke, long deadline) {
            this.requestId = requestId;
            this.node = node.id;
            this.incarnation = node.incarnation();
            this.write = write;
            this.key = key;
            this.value = value;
            this.invoke = invoke;
            this.deadline = deadline;
        }
    }

    private final Options options;
    private final SplittableRandom random;
    private final SimNetwork network;
    private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
    private final SafetyChecker safety = new SafetyChecker();
    private final Trace trace;
    private final List<Operation> history = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<Long, StateRole> lastRole = new HashMap<>();
    /** Crashed members and the tick they come back at. */
    private final TreeMap<Long, Long> restartAt = new TreeMap<>();
    private boolean chaosOn = true;
    private long now;
    /** Orders client events for the linearizability check; advances at each invocation and response. */
    private long clock;
    private long nextRequestId = 1;
    private long nextValue = 1;
    private long nextNodeId;
    private int writes;
    private int reads;
    private int unknown;
    private int leaders;
    private int crashes;
    private int partitions;
    private int transfers;
    private int confChanges;
    private int snapshotsSent;
    /** Appends with entries a leader sent before a write it crashed in: the entries are not on its disk. */
    private int appendsBeforeCrash;

    Simulation(Options options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.network = new SimNetwork(random.split(), 0.03, 0.02, 3);
        this.trace = new Trace(options.trace());
        List<Long> voters = LongStream.rangeClosed(1, options.members()).boxed().toList();
        for (long id : voters) {
            nodes.put(id, SimNode.bootstrap(id, voters, random.split()));
        }
        nextNodeId = options.members() + 1L;
    }

    Result run() {
        try {
            nodes.values().forEach(this::drain);
            for (now = 1; now <= options.ticks(); now++) {
                chaos();
                step();
            }
            calm();
            check(LinearizabilityChecker.findViolation(history));
            return new Result(writes, reads, unknown, leaders, crashes, partitions, transfers, confChanges,
                    snapshotsSent, appendsBeforeCrash);
        } catch (SimulationFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(e.toString(), e);
        }
    }

    /** The client history so far, in the order responses (or timeouts) were recorded. */
    List<Operation> history() {
        return List.copyOf(history);
    }

    /** The last events, as a failure would show them. */
    String lastEvents() {
        return trace.tail();
    }

    private void check(Optional<List<Operation>> violation) {
        if (violation.isPresent()) {
            StringBuilder s = new StringBuilder("history is not linearizable for key ")
                    .append(violation.get().get(0).key()).append(":\n");
            violation.get().forEach(op -> s.append("  ").append(op).append('\n'));
            throw failure(s.toString(), null);
        }
    }

    private SimulationFailure failure(String what, Throwable cause) {
        String rerun = "mvn -B -pl consensus-raft -am verify -Dtest=SimulationTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Draft.sim.seed=" + options.seed() + " -Draft.sim.trace=true";
        return new SimulationFailure(options.seed(), "seed " + options.seed() + " (" + options.members() + " members, fault "
                + options.fault() + ") failed at tick " + now + ": " + what + "\nrerun: " + rerun
                + "\nlast events:\n" + trace.tail(), cause);
    }

    /** Heal everything, restart everyone, and require the cluster to serve writes and reads again. */
    private void calm() {
        chaosOn = false;
        network.healAll();
        restartAt.clear();
        for (SimNode n : nodes.values()) {
            if (!n.isUp() && !n.isRemoved()) {
                restart(n);
            }
        }
        trace.add(now, "calm", "all healed and restarted");
        int writesBefore = writes;
        int readsBefore = reads;
        long end = now + CALM_TICKS;
        for (; now <= end; now++) {
            step();
        }
        if (writes == writesBefore || (reads == readsBefore && options.fault() != Fault.LOCAL_READS)) {
            throw failure("no progress: " + (writes - writesBefore) + " writes and " + (reads - readsBefore)
                    + " reads completed in " + CALM_TICKS + " calm ticks; " + nodes.values(), null);
        }
        for (Pending p : pending) {
            if (p.write) {
                history.add(new Operation(p.requestId, p.key, true, p.value, p.invoke, Operation.UNKNOWN));
                unknown++;
            }
        }
        pending.clear();
    }

    private void step() {
        startClientOperation();
        for (SimNode n : List.copyOf(nodes.values())) {
            if (n.isUp()) {
                n.raft().tick();
                drain(n);
            }
        }
        for (Message m : network.due(now)) {
            deliver(m);
        }
        expireOperations();
    }

    // ---- the members

    private void deliver(Message m) {
        SimNode target = nodes.get(m.to());
        SimNode sender = nodes.get(m.from());
        if (target == null || !target.isUp()) {
            if (m.type() == MessageType.SNAP && sender.isUp()) {
                sender.raft().reportSnapshot(m.to(), false);
                drain(sender);
            }
            return;
        }
        if (options.fault() == Fault.STALE_CANDIDATES && m.type().name().endsWith("VOTE")) {
            m = m.toBuilder().logTerm(m.term()).index(Long.MAX_VALUE / 2).build();
        }
        trace.add(now, "deliver", m);
        try {
            target.raft().step(m);
        } catch (RequestDroppedException e) {
            // A forwarded proposal or read reached a member with no leader: lost, as on a real network.
        }
        drain(target);
        if (m.type() == MessageType.SNAP && sender.isUp()) {
            sender.raft().reportSnapshot(m.to(), true);
            drain(sender);
        }
    }

    /** Handles every Ready of a member, checking safety after each. */
    private void drain(SimNode n) {
        while (n.isUp() && n.raft().hasReady()) {
            // Leaders more often: their appends leave before their own write (no SNAP among them).
            double p = lastRole.get(n.id) == StateRole.LEADER ? 0.003 : 0.0005;
            if (chaosOn && random.nextDouble() < p && mayCrash()) {
                n.crashWhilePersisting(random, m -> {
                    if (!m.entries().isEmpty()) {
                        appendsBeforeCrash++;
                    }
                    network.send(m, now);
                });
                crashed(n, "crash while persisting");
                return;
            }
            SimNode.Outcome outcome = n.handleReady();
            safety.afterReady(n, outcome, nodes.values());
            StateRole role = outcome.ready().softState().role();
            if (role != lastRole.put(n.id, role)) {
                if (role == StateRole.LEADER) {
                    leaders++;
                }
                trace.add(now, "role", n.raft().status());
            }
            boolean votedJustNow = false;
            for (Message m : outcome.ready().messages()) {
                send(n, m);
                votedJustNow |= m.type() == MessageType.VOTE_RESP && !m.reject();
            }
            for (SimNode.Applied a : outcome.applied()) {
                applied(n, a);
            }
            for (ReadState rs : outcome.ready().readStates()) {
                readConfirmed(n, rs);
            }
            completeReads(n);
            if (votedJustNow && chaosOn && random.nextDouble() < 0.2) {
                reboot(n); // the vote must have been persisted before it was sent
                return;
            }
        }
    }

    private void send(SimNode from, Message m) {
        if (m.type() == MessageType.SNAP) {
            m = m.toBuilder().snapshot(from.currentSnapshot()).build();
        }
        SimNode to = nodes.get(m.to());
        boolean reachable = to != null && to.isUp() && !network.isCut(m.from(), m.to());
        boolean sent = network.send(m, now);
        if (m.type() == MessageType.SNAP) {
            snapshotsSent++;
            if (!sent) {
                from.raft().reportSnapshot(m.to(), false);
            }
        }
        if (!reachable) {
            // As a transport sees a refused or broken connection.
            from.raft().reportUnreachable(m.to());
        }
    }

    private void applied(SimNode n, SimNode.Applied a) {
        ConfChange change = a.confChange();
        if (change != null) {
            trace.add(now, "conf applied", n.id + ": " + change + " -> " + n.conf());
            if (change.type() == ConfChangeType.REMOVE_NODE && change.nodeId() != 0) {
                SimNode gone = nodes.get(change.nodeId());
                if (gone != null && !gone.isRemoved()) {
                    gone.remove();
                    abandonOperations(gone);
                    trace.add(now, "removed", gone.id);
                }
            }
            return;
        }
        LogEntry e = a.entry();
        if (e.data().length == 0) {
            return;
        }
        KvCommand command = KvCommand.decode(e.data());
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.write && p.requestId == command.requestId() && p.node == n.id && p.incarnation == n.incarnation()) {
                it.remove();
                history.add(new Operation(p.requestId, p.key, true, p.value, p.invoke, ++clock));
                writes++;
            }
        }
    }

    private void readConfirmed(SimNode n, ReadState rs) {
        long requestId = ByteBuffer.wrap(rs.context()).getLong();
        for (Pending p : pending) {
            if (!p.write && p.requestId == requestId && p.node == n.id && p.incarnation == n.incarnation()
                    && p.readIndex < 0) {
                p.readIndex = rs.index();
            }
        }
    }

    private void completeReads(SimNode n) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.write && p.node == n.id && p.incarnation == n.incarnation() && p.readIndex >= 0
                    && n.applied() >= p.readIndex) {
                it.remove();
                history.add(new Operation(p.requestId, p.key, false, n.kv().get(p.key), p.invoke, ++clock));
                reads++;
            }
        }
    }

    // ---- clients

    private void startClientOperation() {
        if (pending.size() >= MAX_PENDING_OPERATIONS || random.nextDouble() > 0.35) {
            return;
        }
        List<SimNode> up = nodes.values().stream().filter(SimNode::isUp).toList();
        if (up.isEmpty()) {
            return;
        }
        SimNode n = up.get(random.nextInt(up.size()));
        String key = KEYS[random.nextInt(KEYS.length)];
        long requestId = nextRequestId++;
        long invoke = ++clock;
        try {
            if (random.nextBoolean()) {
                long value = nextValue++;
                n.raft().propose(new KvCommand(requestId, key, value).encode());
                pending.add(new Pending(requestId, n, true, key, value, invoke, now + OPERATION_TIMEOUT));
                trace.add(now, "put", n.id + ": " + key + "=" + value + " #" + requestId);
            } else if (options.fault() == Fault.LOCAL_READS) {
                history.add(new Operation(requestId, key, false, n.kv().get(key), invoke, ++clock));
                reads++;
            } else {
                n.raft().readIndex(ByteBuffer.allocate(8).putLong(requestId).array());
                pending.add(new Pending(requestId, n, false, key, 0, invoke, now + OPERATION_TIMEOUT));
                trace.add(now, "get", n.id + ": " + key + " #" + requestId);
            }
        } catch (RequestDroppedException e) {
            return; // refused on the spot: it never happened
        }
        drain(n);
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

    /** The member the requests went to stopped: their clients time out. */
    private void abandonOperations(SimNode n) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.node == n.id) {
                it.remove();
                timedOut(p);
            }
        }
    }

    private void timedOut(Pending p) {
        if (p.write) {
            // The write may still commit, now or much later: its outcome is unknown.
            history.add(new Operation(p.requestId, p.key, true, p.value, p.invoke, Operation.UNKNOWN));
            unknown++;
        }
    }

    // ---- chaos

    private void chaos() {
        if (random.nextDouble() < 0.005) {
            crashOne();
        }
        // Collected first: a restart delivers messages, which may crash a member and schedule its restart.
        List<Long> due = restartAt.entrySet().stream().filter(e -> e.getValue() <= now).map(Map.Entry::getKey).toList();
        for (long id : due) {
            restartAt.remove(id);
            SimNode n = nodes.get(id);
            if (!n.isRemoved()) {
                restart(n);
            }
        }
        if (random.nextDouble() < 0.004) {
            partition();
        }
        if (network.isPartitioned() && random.nextDouble() < 0.02) {
            network.healAll();
            trace.add(now, "heal", "");
        }
        if (random.nextDouble() < 0.003) {
            transferLeadership();
        }
        if (random.nextDouble() < 0.004) {
            changeMembership();
        }
    }

    private List<SimNode> upNodes() {
        return nodes.values().stream().filter(SimNode::isUp).toList();
    }

    private void crashOne() {
        List<SimNode> up = upNodes();
        if (!up.isEmpty()) {
            crash(up.get(random.nextInt(up.size())));
        }
    }

    private boolean mayCrash() {
        return restartAt.size() < options.members() / 2;
    }

    /** Crashes a member, unless too many are down already. */
    private void crash(SimNode n) {
        if (mayCrash()) {
            n.crash();
            crashed(n, "crash");
        }
    }

    /** Bookkeeping for a member that just went down: its clients time out; it restarts soon, or a while later. */
    private void crashed(SimNode n, String how) {
        abandonOperations(n);
        crashes++;
        restartAt.put(n.id, now + (random.nextBoolean() ? 1 + random.nextInt(3) : 10 + random.nextInt(60)));
        trace.add(now, how, n.id);
    }

    /** Crashes a member and restarts it at once, as a supervisor would: only its disk carries over. */
    private void reboot(SimNode n) {
        n.crash();
        abandonOperations(n);
        crashes++;
        trace.add(now, "crash", n.id);
        restart(n);
    }

    private void restart(SimNode n) {
        n.restart(random.split(), options.fault());
        trace.add(now, "restart", n.id);
        drain(n);
    }

    private void partition() {
        List<Long> ids = nodes.values().stream().filter(n -> !n.isRemoved()).map(n -> n.id).toList();
        long victim = ids.get(random.nextInt(ids.size()));
        partitions++;
        switch (random.nextInt(4)) {
            case 0 -> {
                ids.forEach(o -> {
                    network.cut(victim, o);
                    network.cut(o, victim);
                });
                trace.add(now, "partition", "isolate " + victim);
            }
            case 1 -> {
                List<Long> side = ids.stream().filter(o -> random.nextBoolean()).toList();
                for (long a : side) {
                    for (long b : ids) {
                        if (!side.contains(b)) {
                            network.cut(a, b);
                            network.cut(b, a);
                        }
                    }
                }
                trace.add(now, "partition", "split " + side + " from the rest");
            }
            case 2 -> {
                ids.forEach(o -> network.cut(victim, o));
                trace.add(now, "partition", victim + " cannot send");
            }
            default -> {
                ids.forEach(o -> network.cut(o, victim));
                trace.add(now, "partition", victim + " cannot receive");
            }
        }
    }

    private Optional<SimNode> someLeader() {
        return upNodes().stream().filter(n -> n.raft().status().softState().role() == StateRole.LEADER).findFirst();
    }

    private void transferLeadership() {
        Optional<SimNode> leader = someLeader();
        if (leader.isEmpty()) {
            return;
        }
        List<Long> voters = leader.get().raft().confState().voters();
        long target = voters.get(random.nextInt(voters.size()));
        transfers++;
        trace.add(now, "transfer", leader.get().id + " -> " + target);
        leader.get().raft().transferLeader(target);
        drain(leader.get());
    }

    private void changeMembership() {
        Optional<SimNode> leader = someLeader();
        if (leader.isEmpty()) {
            return;
        }
        SimNode proposer = leader.get();
        ConfState conf = proposer.raft().confState();
        List<Long> liveLearners = conf.learners().stream()
                .filter(id -> nodes.containsKey(id) && !nodes.get(id).isRemoved()).toList();
        ConfChange change;
        if (!liveLearners.isEmpty() && random.nextInt(3) > 0) {
            change = new ConfChange(ConfChangeType.ADD_NODE, liveLearners.get(random.nextInt(liveLearners.size())));
        } else if (conf.voters().size() > 3 && random.nextBoolean()) {
            change = new ConfChange(ConfChangeType.REMOVE_NODE, conf.voters().get(random.nextInt(conf.voters().size())));
        } else if (!conf.learners().isEmpty() && random.nextInt(4) == 0) {
            change = new ConfChange(ConfChangeType.REMOVE_NODE, conf.learners().get(random.nextInt(conf.learners().size())));
        } else if (nodes.size() < options.members() + 4) {
            long id = nextNodeId++;
            nodes.put(id, SimNode.joining(id, random.split()));
            change = new ConfChange(ConfChangeType.ADD_LEARNER_NODE, id);
        } else {
            return;
        }
        confChanges++;
        trace.add(now, "conf propose", proposer.id + ": " + change);
        try {
            proposer.raft().proposeConfChange(change);
        } catch (RequestDroppedException e) {
            return;
        }
        drain(proposer);
    }
}
