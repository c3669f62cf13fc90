package io.kvorum.consensus.raft.transport.grpc;

import io.kvorum.spi.metrics.Buckets;
import io.kvorum.spi.metrics.Counter;
import io.kvorum.spi.metrics.Family;
import io.kvorum.spi.metrics.Gauge;
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
 * <p>Also whether each peer's stream is open ({@code etcd_network_active_peers}, by {@code Local}
 * and {@code Remote} member id), how often an open one broke, and the snapshots sent to and received
 * from each peer.
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
    private final Family<Gauge> activePeers;
    private final Family<Counter> disconnectedPeers;
    private final Family<Counter> snapshotSendSuccess;
    private final Family<Counter> snapshotSendFailures;
    private final Family<Gauge> snapshotSendInflights;
    private final Family<Histogram> snapshotSendDuration;
    private final Family<Counter> snapshotReceiveSuccess;
    private final Family<Counter> snapshotReceiveFailures;
    private final Family<Gauge> snapshotReceiveInflights;
    private final Family<Histogram> snapshotReceiveDuration;
    private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
    /** This member's id in hex ({@code Local}), once a stream opened. */
    private volatile String localHex;
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
        activePeers = registry.gauge("etcd_network_active_peers", "The current number of active peer connections.",
                List.of("Local", "Remote"));
        disconnectedPeers = registry.counter("etcd_network_disconnected_peers_total", "The total number of disconnected peers.",
                List.of("Local", "Remote"));
        snapshotSendSuccess = registry.counter("etcd_network_snapshot_send_success", "Total number of successful snapshot sends",
                List.of("To"));
        snapshotSendInflights = registry.gauge("etcd_network_snapshot_send_inflights_total",
                "Total number of inflight snapshot sends", List.of("To"));
        snapshotSendFailures = registry.counter("etcd_network_snapshot_send_failures", "Total number of snapshot send failures",
                List.of("To"));
        snapshotSendDuration = registry.histogram("etcd_network_snapshot_send_total_duration_seconds",
                "Total latency distributions of v3 snapshot sends", SNAPSHOT_SECONDS, List.of("To"));
        snapshotReceiveSuccess = registry.counter("etcd_network_snapshot_receive_success",
                "Total number of successful snapshot receives", List.of("From"));
        snapshotReceiveInflights = registry.gauge("etcd_network_snapshot_receive_inflights_total",
                "Total number of inflight snapshot receives", List.of("From"));
        snapshotReceiveFailures = registry.counter("etcd_network_snapshot_receive_failures",
                "Total number of snapshot receive failures", List.of("From"));
        snapshotReceiveDuration = registry.histogram("etcd_network_snapshot_receive_total_duration_seconds",
                "Total latency distributions of v3 snapshot receives", SNAPSHOT_SECONDS, List.of("From"));
    }

    /** etcd's {@code prometheus.ExponentialBuckets(0.1, 2, 10)}: 100 ms … 51.2 s, for snapshot transfers. */
    static final Buckets SNAPSHOT_SECONDS = Buckets.exponential(0.1, 2, 10);

    /** The stream from member {@code local} to {@code peerId} opened: the peer is active. */
    void connected(long local, long peerId) {
        localHex = Long.toHexString(local);
        activePeers.labels(localHex, Long.toHexString(peerId)).set(1);
    }

    /** The open stream from member {@code local} to {@code peerId} ended. */
    void disconnected(long local, long peerId) {
        String l = Long.toHexString(local);
        String r = Long.toHexString(peerId);
        activePeers.labels(l, r).set(0);
        disconnectedPeers.labels(l, r).inc();
    }

    /**
     * A snapshot is being sent to {@code peerId}: counts it in flight until {@code result} ends,
     * then as a success (timed) or a failure, as etcd's snapshot sender does.
     */
    void snapshotSending(long peerId, java.util.concurrent.CompletableFuture<?> result) {
        transfer(Long.toHexString(peerId), result, snapshotSendInflights, snapshotSendSuccess, snapshotSendDuration,
                snapshotSendFailures);
    }

    /** A snapshot from {@code peerId} is being received and installed until {@code result} ends. */
    void snapshotReceiving(long peerId, java.util.concurrent.CompletableFuture<?> result) {
        transfer(Long.toHexString(peerId), result, snapshotReceiveInflights, snapshotReceiveSuccess,
                snapshotReceiveDuration, snapshotReceiveFailures);
    }

    private static void transfer(String peer, java.util.concurrent.CompletableFuture<?> result, Family<Gauge> inflights,
                                 Family<Counter> success, Family<Histogram> duration, Family<Counter> failures) {
        long started = System.nanoTime();
        Gauge inflight = inflights.labels(peer);
        inflight.add(1);
        result.whenComplete((done, failure) -> {
            inflight.add(-1);
            if (failure == null) {
                success.labels(peer).inc();
                duration.labels(peer).observeNanos(System.nanoTime() - started);
            } else {
                failures.labels(peer).inc();
            }
        });
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
            String local = localHex;
            if (local != null) {
                activePeers.remove(local, hex);
                disconnectedPeers.remove(local, hex);
            }
            for (Family<?> f : List.of(snapshotSendSuccess, snapshotSendFailures, snapshotSendInflights,
                    snapshotSendDuration, snapshotReceiveSuccess, snapshotReceiveFailures, snapshotReceiveInflights,
                    snapshotReceiveDuration)) {
                f.remove(hex);
            }
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
