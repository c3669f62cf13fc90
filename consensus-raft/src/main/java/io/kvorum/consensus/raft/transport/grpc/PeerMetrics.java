package io.kvorum.consensus.raft.transport.grpc;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Histogram;
import io.kvorum.spi.metrics.MetricRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's peer traffic metrics ({@code rafthttp/metrics.go}): bytes and failures per peer
 * ({@code To}/{@code From}, the peer's id in hex) and the round trip to each peer. etcd times a
 * probe it sends every few seconds; here the round trip is a heartbeat's, from the leader sending
 * it to the follower's answer arriving, so it is recorded on the leader.
 *
 * <p>Children are resolved when a peer becomes known (or its stream opens), never per message;
 * failure series when the first failure happens, as etcd's appear.
 */
final class PeerMetrics {
    private final Family<Counter> sentBytes;
    private final Family<Counter> receivedBytes;
    private final Family<Counter> sentFailures;
    private final Family<Counter> receivedFailures;
    private final Family<Histogram> roundTrip;
    private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
    /** etcd's {@code etcd_server_heartbeat_send_failures_total}: a heartbeat the leader could not send. */
    final Counter heartbeatSendFailures;

    /** One peer's children, and when the last heartbeat to it went out. */
    static final class Peer {
        final Counter sentBytes;
        final Histogram roundTrip;
        /** Resolved at the first failure: as etcd, a peer never failed has no failure series. */
        private final Family<Counter> sentFailures;
        private final String to;
        /** {@link System#nanoTime()} of the heartbeat awaiting its answer; 0 when none. */
        volatile long heartbeatSent;

        private Peer(Counter sentBytes, Histogram roundTrip, Family<Counter> sentFailures, String to) {
            this.sentBytes = sentBytes;
            this.roundTrip = roundTrip;
            this.sentFailures = sentFailures;
            this.to = to;
        }

        /** A message to the peer was dropped. */
        void sendFailed() {
            sentFailures.labels(to).inc();
        }
    }

    PeerMetrics(MetricRegistry registry) {
        sentBytes = registry.counter("etcd_network_peer_sent_bytes_total", "The total number of bytes sent to peers.",
                List.of("To"));
        receivedBytes = registry.counter("etcd_network_peer_received_bytes_total",
                "The total number of bytes received from peers.", List.of("From"));
        sentFailures = registry.counter("etcd_network_peer_sent_failures_total", "The total number of send failures from peers.",
                List.of("To"));
        receivedFailures = registry.counter("etcd_network_peer_received_failures_total",
                "The total number of receive failures from peers.", List.of("From"));
        heartbeatSendFailures = registry.counter("etcd_server_heartbeat_send_failures_total",
                "The total number of leader heartbeat send failures (likely overloaded from slow disk).");
        roundTrip = registry.histogram("etcd_network_peer_round_trip_time_seconds", "Round-Trip-Time histogram between peers",
                Buckets.exponential(0.0001, 2, 16), List.of("To"));
    }

    /** The children of {@code peerId}, created when it is first known. */
    Peer peer(long peerId) {
        return peers.computeIfAbsent(peerId, id -> {
            String to = Long.toHexString(id);
            return new Peer(sentBytes.labels(to), roundTrip.labels(to), sentFailures, to);
        });
    }

    /** Drops a removed peer's series. */
    void remove(long peerId) {
        if (peers.remove(peerId) != null) {
            String hex = Long.toHexString(peerId);
            sentBytes.remove(hex);
            sentFailures.remove(hex);
            roundTrip.remove(hex);
            receivedBytes.remove(hex);
            receivedFailures.remove(hex);
        }
    }

    /** A heartbeat's answer from {@code peerId} arrived: records the round trip of the heartbeat that awaited one. */
    void heartbeatAnswered(long peerId) {
        Peer p = peers.get(peerId);
        if (p != null) {
            long sent = p.heartbeatSent;
            if (sent != 0) {
                p.heartbeatSent = 0;
                p.roundTrip.observeNanos(System.nanoTime() - sent);
            }
        }
    }

    Counter receivedFrom(long peerId) {
        return receivedBytes.labels(Long.toHexString(peerId));
    }

    Counter receiveFailuresFrom(long peerId) {
        return receivedFailures.labels(Long.toHexString(peerId));
    }
}
