package io.kvorum.consensus.raft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.LongStream;

/**
 * A few nodes wired together in one thread for behaviour tests: each Ready is handled as the
 * contract says and messages are delivered in order, except those the test chooses to drop.
 * Nothing moves unless the test ticks or steps.
 */
final class TestCluster {
    final Map<Long, RawNode> nodes = new TreeMap<>();
    final Map<Long, MemoryStorage> storages = new HashMap<>();
    final Map<Long, List<ReadState>> readStates = new HashMap<>();
    final Map<Long, List<LogEntry>> applied = new HashMap<>();
    /** Every message sent so far, for counting. */
    final List<Message> sent = new ArrayList<>();
    private final Deque<Message> inFlight = new ArrayDeque<>();
    private final SplittableRandom random = new SplittableRandom(1);
    private Predicate<Message> drop = m -> false;

    /** Voters 1..n, bootstrapped, no leader yet. */
    static TestCluster ofVoters(int n, boolean preVote, boolean checkQuorum) {
        TestCluster c = new TestCluster();
        List<Long> voters = LongStream.rangeClosed(1, n).boxed().toList();
        for (long id : voters) {
            c.add(id, preVote, checkQuorum, 256).bootstrap(voters);
        }
        c.stabilize();
        return c;
    }

    static TestCluster ofVoters(int n) {
        return ofVoters(n, true, true);
    }

    RawNode add(long id, boolean preVote, boolean checkQuorum, int maxInflight) {
        MemoryStorage storage = new MemoryStorage();
        RawNode node = new RawNode(new RaftConfig(id, 10, 1, storage, 0, 1 << 20, maxInflight, checkQuorum, preVote,
                random.split()));
        nodes.put(id, node);
        storages.put(id, storage);
        readStates.put(id, new ArrayList<>());
        applied.put(id, new ArrayList<>());
        return node;
    }

    RawNode node(long id) {
        return nodes.get(id);
    }

    Status status(long id) {
        return node(id).status();
    }

    StateRole role(long id) {
        return status(id).softState().role();
    }

    long term(long id) {
        return status(id).hardState().term();
    }

    /** Drops, from now on, every message the predicate matches. */
    void dropIf(Predicate<Message> predicate) {
        drop = predicate;
    }

    void isolate(long id) {
        dropIf(m -> m.from() == id || m.to() == id);
    }

    void heal() {
        dropIf(m -> false);
    }

    /** Elects {@code id} by letting it campaign at once. */
    void elect(long id) {
        node(id).campaign();
        stabilize();
        if (role(id) != StateRole.LEADER) {
            throw new IllegalStateException(id + " did not win: " + status(id));
        }
    }

    void tick(long id, int ticks) {
        for (int i = 0; i < ticks; i++) {
            node(id).tick();
            stabilize();
        }
    }

    void tickAll(int ticks) {
        for (int i = 0; i < ticks; i++) {
            nodes.values().forEach(RawNode::tick);
            stabilize();
        }
    }

    /** Handles every Ready and delivers every message until nothing moves. */
    void stabilize() {
        boolean moved = true;
        while (moved) {
            moved = false;
            for (var e : nodes.entrySet()) {
                while (e.getValue().hasReady()) {
                    handleReady(e.getKey(), e.getValue());
                    moved = true;
                }
            }
            while (!inFlight.isEmpty()) {
                deliver(inFlight.poll());
                moved = true;
            }
        }
    }

    /** Handles the Readies of all nodes without delivering their messages; returns the messages. */
    List<Message> collect() {
        List<Message> out = new ArrayList<>();
        for (var e : nodes.entrySet()) {
            while (e.getValue().hasReady()) {
                handleReady(e.getKey(), e.getValue());
            }
        }
        out.addAll(inFlight);
        inFlight.clear();
        return out;
    }

    void deliver(Message m) {
        RawNode to = nodes.get(m.to());
        if (to == null || drop.test(m)) {
            return;
        }
        try {
            to.step(m);
        } catch (RequestDroppedException e) {
            // forwarded to a node without a leader: lost
        }
    }

    private void handleReady(long id, RawNode node) {
        Ready rd = node.ready();
        MemoryStorage storage = storages.get(id);
        if (!rd.snapshot().isEmpty()) {
            storage.applySnapshot(rd.snapshot());
        }
        storage.append(rd.entries());
        if (!rd.hardState().isEmpty()) {
            storage.setHardState(rd.hardState());
        }
        sent.addAll(rd.messages());
        inFlight.addAll(rd.messages());
        for (LogEntry e : rd.committedEntries()) {
            if (e.type() == EntryType.CONF_CHANGE) {
                node.applyConfChange(Encoding.decodeConfChange(e.data()));
            }
            applied.get(id).add(e);
        }
        readStates.get(id).addAll(rd.readStates());
        node.advance(rd);
    }

    long count(MessageType type) {
        return sent.stream().filter(m -> m.type() == type).count();
    }

    /** Data of the normal, non-empty entries {@code id} applied, in order. */
    List<String> appliedData(long id) {
        return applied.get(id).stream().filter(e -> e.type() == EntryType.NORMAL && e.data().length > 0)
                .map(e -> new String(e.data())).toList();
    }
}
