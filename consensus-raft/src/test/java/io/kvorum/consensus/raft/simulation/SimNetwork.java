package io.kvorum.consensus.raft.simulation;

import io.kvorum.consensus.raft.core.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The simulated network: every message gets a random delay (so messages overtake each other),
 * some are lost, some arrive twice, and cut links (one direction at a time, so partitions can be
 * asymmetric) lose everything. All choices come from the simulation's generator.
 */
final class SimNetwork {
    private record InFlight(long deliverAt, long seq, Message message) {
    }

    private record Link(long from, long to) {
    }

    private final RandomGenerator random;
    private final double dropRate;
    private final double duplicateRate;
    private final int maxDelay;
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>(
            (a, b) -> a.deliverAt != b.deliverAt ? Long.compare(a.deliverAt, b.deliverAt) : Long.compare(a.seq, b.seq));
    private final Set<Link> cut = new HashSet<>();
    private long seq;

    SimNetwork(RandomGenerator random, double dropRate, double duplicateRate, int maxDelay) {
        this.random = random;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelay = maxDelay;
    }

    boolean isCut(long from, long to) {
        return cut.contains(new Link(from, to));
    }

    /** Sends a message at {@code now}; returns false when it is lost on the way. */
    boolean send(Message m, long now) {
        if (isCut(m.from(), m.to()) || random.nextDouble() < dropRate) {
            return false;
        }
        enqueue(m, now);
        if (random.nextDouble() < duplicateRate) {
            enqueue(m, now);
        }
        return true;
    }

    private void enqueue(Message m, long now) {
        queue.add(new InFlight(now + 1 + random.nextInt(maxDelay), seq++, m));
    }

    /** Removes and returns the messages due by {@code now}, in delivery order. */
    List<Message> due(long now) {
        List<Message> out = new ArrayList<>();
        while (!queue.isEmpty() && queue.peek().deliverAt <= now) {
            Message m = queue.poll().message;
            // A link cut while the message was on its way loses it too.
            if (!isCut(m.from(), m.to())) {
                out.add(m);
            }
        }
        return out;
    }

    void cut(long from, long to) {
        cut.add(new Link(from, to));
    }

    void healAll() {
        cut.clear();
    }

    boolean isPartitioned() {
        return !cut.isEmpty();
    }
}
