package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.transport.Transport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Members' transports in one JVM: messages go through one delivery thread (so each link keeps its
 * order), snapshots and calls through a pool. Members can be cut off and reconnected. Connections
 * are stamped with the cluster id as the real transport's are.
 */
final class LocalNetwork implements AutoCloseable {
    private final Map<URI, LocalTransport> listeners = new ConcurrentHashMap<>();
    private final Set<Long> isolated = ConcurrentHashMap.newKeySet();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> thread(r, "local-net-delivery"));
    /** Messages sent, by sender and type. */
    private final Map<String, LongAdder> sent = new ConcurrentHashMap<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> thread(r, "local-net-call"));

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    TransportFactory factory() {
        return settings -> new LocalTransport(settings.listenPeerUrls());
    }

    /** How many messages of {@code type} member {@code from} has sent. */
    long sent(long from, MessageType type) {
        LongAdder count = sent.get(from + " " + type);
        return count == null ? 0 : count.sum();
    }

    /** Drops every message to and from {@code member} until {@link #reconnect}. */
    void isolate(long member) {
        isolated.add(member);
    }

    void reconnect(long member) {
        isolated.remove(member);
    }

    @Override
    public void close() throws InterruptedException {
        delivery.shutdownNow();
        pool.shutdownNow();
        delivery.awaitTermination(10, TimeUnit.SECONDS);
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }

    final class LocalTransport implements Transport {
        private final List<URI> urls;
        private volatile Inbound inbound;
        private volatile long memberId;
        private volatile long clusterId;
        private volatile Map<Long, List<URI>> peers = Map.of();
        private volatile boolean closed;
        private volatile Set<Long> removed = Set.of();

        LocalTransport(List<URI> urls) {
            this.urls = urls;
        }

        @Override
        public void start(Inbound in) throws IOException {
            this.inbound = in;
            for (URI url : urls) {
                LocalTransport previous = listeners.putIfAbsent(url, this);
                if (previous != null && !previous.closed) {
                    throw new IOException(url + " is in use");
                }
                listeners.put(url, this);
            }
        }

        @Override
        public void identify(long member, long cluster) {
            memberId = member;
            clusterId = cluster;
        }

        @Override
        public void updatePeers(Map<Long, List<URI>> newPeers) {
            peers = Map.copyOf(newPeers);
        }

        @Override
        public void updateRemoved(Set<Long> removed) {
            // Raft messages of a removed member are refused, as the gRPC transport refuses its
            // streams; other checks of the peer port have tests of their own.
            this.removed = Set.copyOf(removed);
        }

        private LocalTransport peer(long id) {
            if (closed || isolated.contains(id) || isolated.contains(memberId)) {
                return null;
            }
            for (URI url : peers.getOrDefault(id, List.of())) {
                LocalTransport t = listeners.get(url);
                if (t != null && !t.closed && t.memberId == id && t.clusterId == clusterId) {
                    return t;
                }
            }
            return null;
        }

        @Override
        public void send(Message message) {
            sent.computeIfAbsent(memberId + " " + message.type(), k -> new LongAdder()).increment();
            LocalTransport to = peer(message.to());
            if (to == null) {
                inbound.onUnreachable(message.to());
                return;
            }
            if (to.removed.contains(memberId)) {
                inbound.onUnreachable(message.to());
                inbound.onRefusedAsRemoved(message.to());
                return;
            }
            delivery.execute(() -> {
                if (!to.closed && !isolated.contains(message.to()) && !isolated.contains(memberId)) {
                    to.inbound.onMessage(message);
                }
            });
        }

        @Override
        public CompletableFuture<Void> sendSnapshot(Message message, SnapshotBody body) {
            LocalTransport to = peer(message.to());
            if (to == null) {
                return CompletableFuture.failedFuture(new IOException("member " + message.to() + " unreachable"));
            }
            return CompletableFuture.runAsync(() -> {
                try {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    body.writeTo(bytes);
                    to.inbound.onSnapshot(message, new ByteArrayInputStream(bytes.toByteArray()));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, pool);
        }

        @Override
        public CompletableFuture<byte[]> call(URI peerUrl, String method, byte[] request) {
            LocalTransport to = listeners.get(peerUrl);
            if (closed || to == null || to.closed || isolated.contains(to.memberId)) {
                return CompletableFuture.failedFuture(new IOException(peerUrl + " unreachable"));
            }
            return CompletableFuture.supplyAsync(() -> to.inbound.onCall(method, request), pool)
                    .thenCompose(f -> f);
        }

        @Override
        public CompletableFuture<byte[]> call(long peerId, String method, byte[] request) {
            LocalTransport to = peer(peerId);
            if (to == null) {
                return CompletableFuture.failedFuture(new IOException("member " + peerId + " unreachable"));
            }
            return CompletableFuture.supplyAsync(() -> to.inbound.onCall(method, request), pool)
                    .thenCompose(f -> f);
        }

        @Override
        public void close() {
            closed = true;
            urls.forEach(url -> listeners.remove(url, this));
        }
    }
}
