package io.kvorum.server.v2http;

import io.kvorum.spi.consensus.PeerTraffic;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * etcd's v2 member statistics ({@code v2stats.ServerStats} and {@code LeaderStats}), kept from
 * what the consensus reports ({@link PeerTraffic}): this member's state and the leader it follows
 * and since when, the appends it received and sent with their recent rates, and, for each
 * follower, how long handing it an append took and how many were delivered or dropped.
 *
 * <p>Threads: the consensus reports on its threads and {@code /v2/stats/*} reads on request
 * threads; every field is guarded by {@code this}.
 */
final class PeerStats implements PeerTraffic {
    /** This member's id, known once the consensus has started. */
    private final LongSupplier memberId;
    private final Supplier<Instant> wallClock;
    private final LongSupplier monotonic;
    private final Instant startTime;
    private boolean leading;
    private long leader;
    private Instant leaderSince;
    private long leaderSinceNanos;
    private long received;
    private long sent;
    private final RateQueue receiveRates = new RateQueue();
    private final RateQueue sendRates = new RateQueue();
    private final Map<Long, FollowerLatency> followers = new HashMap<>();

    PeerStats(LongSupplier memberId, Supplier<Instant> wallClock, LongSupplier monotonic) {
        this.memberId = memberId;
        this.wallClock = wallClock;
        this.monotonic = monotonic;
        this.startTime = wallClock.get();
        this.leaderSince = startTime;
        this.leaderSinceNanos = monotonic.getAsLong();
    }

    PeerStats(LongSupplier memberId) {
        this(memberId, Instant::now, System::nanoTime);
    }

    @Override
    public synchronized void becameLeader() {
        if (!leading) {
            leading = true;
            newLeader(memberId.getAsLong());
        }
    }

    @Override
    public synchronized void appendSent(long to, int bytes) {
        becameLeader();
        sendRates.insert(monotonic.getAsLong(), bytes);
        sent++;
    }

    @Override
    public synchronized void appendDelivered(long to, long nanos) {
        follower(to).delivered(nanos);
    }

    @Override
    public synchronized void appendDropped(long to) {
        follower(to).dropped++;
    }

    @Override
    public synchronized void appendReceived(long from, int bytes) {
        leading = false;
        if (from != leader) {
            newLeader(from);
        }
        receiveRates.insert(monotonic.getAsLong(), bytes);
        received++;
    }

    private void newLeader(long id) {
        leader = id;
        leaderSince = wallClock.get();
        leaderSinceNanos = monotonic.getAsLong();
    }

    private FollowerLatency follower(long id) {
        return followers.computeIfAbsent(id, k -> new FollowerLatency());
    }

    /**
     * {@code /v2/stats/self}'s body, or empty where etcd's is: a rate over appends all at one
     * instant is infinite, which Go's JSON encoder refuses, and etcd then writes no body at all.
     */
    synchronized Optional<String> selfJson(String name) {
        long now = monotonic.getAsLong();
        double[] recv = receiveRates.rates(now);
        double[] send = sendRates.rates(now);
        for (double rate : new double[] {recv[0], recv[1], send[0], send[1]}) {
            if (Double.isInfinite(rate) || Double.isNaN(rate)) {
                return Optional.empty();
            }
        }
        StringBuilder out = new StringBuilder("{\"name\":");
        V2Json.string(out, name);
        out.append(",\"id\":\"").append(Long.toHexString(memberId.getAsLong())).append("\",\"state\":\"")
                .append(leading ? "StateLeader" : "StateFollower").append("\",\"startTime\":\"")
                .append(GoText.time(startTime)).append("\",\"leaderInfo\":{\"leader\":\"")
                .append(leader == 0 ? "" : Long.toHexString(leader)).append("\",\"uptime\":\"")
                .append(GoText.duration(now - leaderSinceNanos)).append("\",\"startTime\":\"")
                .append(GoText.time(leaderSince)).append("\"},\"recvAppendRequestCnt\":").append(received);
        rate(out, "recvPkgRate", recv[0]);
        rate(out, "recvBandwidthRate", recv[1]);
        out.append(",\"sendAppendRequestCnt\":").append(sent);
        rate(out, "sendPkgRate", send[0]);
        rate(out, "sendBandwidthRate", send[1]);
        return Optional.of(out.append('}').toString());
    }

    /** A field tagged {@code omitempty}: left out when 0. */
    private static void rate(StringBuilder out, String name, double value) {
        if (value != 0) {
            out.append(",\"").append(name).append("\":").append(GoText.number(value));
        }
    }

    /**
     * {@code /v2/stats/leader}'s body with an entry for each of {@code peers} (the members but
     * this one, as etcd's transport knows them), or empty when this member does not lead. A
     * deviation that rounding made NaN is refused by Go's JSON encoder: etcd's body is then empty.
     */
    synchronized Optional<String> leaderJson(long currentLeader, List<Long> peers) {
        long self = memberId.getAsLong();
        if (currentLeader != self) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder("{\"leader\":\"").append(Long.toHexString(self))
                .append("\",\"followers\":{");
        // Go writes a map's keys in order
        List<String> ids = peers.stream().filter(id -> id != self).map(Long::toHexString).sorted().toList();
        for (int i = 0; i < ids.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(ids.get(i)).append("\":");
            FollowerLatency f = followers.getOrDefault(Long.parseUnsignedLong(ids.get(i), 16), new FollowerLatency());
            if (Double.isNaN(f.deviation)) {
                return Optional.of("");
            }
            f.json(out);
        }
        return Optional.of(out.append("}}").toString());
    }

    /** etcd's {@code FollowerStats}: latency in milliseconds over the appends delivered, and the counts. */
    private static final class FollowerLatency {
        private double current;
        private double average;
        private double averageSquare;
        private double deviation;
        /** Go's {@code 1 << 63} as a float64 until the first append. */
        private double minimum = 0x1p63;
        private double maximum;
        private long delivered;
        private long dropped;

        void delivered(long nanos) {
            double total = delivered * average;
            double totalSquare = delivered * averageSquare;
            delivered++;
            current = nanos / 1_000_000.0;
            maximum = Math.max(maximum, current);
            minimum = Math.min(minimum, current);
            average = (total + current) / delivered;
            averageSquare = (totalSquare + current * current) / delivered;
            deviation = Math.sqrt(averageSquare - average * average);
        }

        void json(StringBuilder out) {
            out.append("{\"latency\":{\"current\":").append(GoText.number(current))
                    .append(",\"average\":").append(GoText.number(average))
                    .append(",\"standardDeviation\":").append(GoText.number(deviation))
                    .append(",\"minimum\":").append(GoText.number(minimum))
                    .append(",\"maximum\":").append(GoText.number(maximum))
                    .append("},\"counts\":{\"fail\":").append(dropped).append(",\"success\":").append(delivered)
                    .append("}}");
        }
    }
}
