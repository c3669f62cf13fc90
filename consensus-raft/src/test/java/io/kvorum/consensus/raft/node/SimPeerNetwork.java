package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The members' {@link Transport}s in a simulation: every message, snapshot and call is delivered
 * when the simulation's clock reaches its seeded delay, or dropped or duplicated, on the
 * simulation's thread; links can be cut one way. A delivery hands work to the receiver's driver
 * queue, as the gRPC transport does; the simulation then steps the receiver. A snapshot's bytes
 * are spooled to a file and handed to {@link PeerInbound#install} (not the blocking
 * {@code onSnapshot}: the receiver's driver runs on this same thread).
 */
final class SimPeerNetwork {
    private record InFlight(long at, long seq, Runnable delivery) {
    }

    private record Link(long from, long to) {
    }

    private final SplittableRandom random;
    private final double dropRate;
    private final double duplicateRate;
    private final int maxDelay;
    private final Path spool;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>(
            Comparator.comparingLong(InFlight::at).thenComparingLong(InFlight::seq));
    private final Map<URI, SimTransport> listeners = new HashMap<>();
    private final Set<Link> cut = new HashSet<>();
    private long seq;
    private long now;

    SimPeerNetwork(SplittableRandom random, double dropRate, double duplicateRate, int maxDelay, Path spool) {
        this.random = random;
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.maxDelay = maxDelay;
        this.spool = spool;
    }

    TransportFactory factory() {
        return settings -> new SimTransport(settings.listenPeerUrls());
    }

    /** Runs every delivery due at {@code time}. */
    void deliverDue(long time) {
        now = time;
        while (!inFlight.isEmpty() && inFlight.peek().at() <= time) {
            inFlight.poll().delivery().run();
        }
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

    private void later(Runnable delivery) {
        inFlight.add(new InFlight(now + 1 + random.nextInt(maxDelay), seq++, delivery));
    }

    private boolean linked(long from, SimTransport to) {
        return !to.closed && !cut.contains(new Link(from, to.memberId));
    }

    final class SimTransport implements Transport {
        private final List<URI> urls;
        private Inbound inbound;
        private long memberId;
        private Map<Long, List<URI>> peers = Map.of();
        private boolean closed;

        SimTransport(List<URI> urls) {
            this.urls = urls;
        }

        @Override
        public void start(Inbound in) throws IOException {
            this.inbound = in;
            for (URI url : urls) {
                SimTransport previous = listeners.get(url);
                if (previous != null && !previous.closed) {
                    throw new IOException(url + " is in use");
                }
                listeners.put(url, this);
            }
        }

        @Override
        public void identify(long member, long cluster) {
            memberId = member;
        }

        @Override
        public void updateRemoved(Set<Long> removed) {
            // the in-memory network admits by cluster id only; the gRPC transport's checks have tests of their own
        }

        @Override
        public void updatePeers(Map<Long, List<URI>> newPeers) {
            peers = Map.copyOf(newPeers);
        }

        private SimTransport peer(long id) {
            if (closed) {
                return null;
            }
            for (URI url : peers.getOrDefault(id, List.of())) {
                SimTransport t = listeners.get(url);
                if (t != null && !t.closed && t.memberId == id) {
                    return t;
                }
            }
            return null;
        }

        @Override
        public void send(Message message) {
            SimTransport to = peer(message.to());
            if (to == null || cut.contains(new Link(memberId, to.memberId))) {
                inbound.onUnreachable(message.to()); // a refused or broken connection
                return;
            }
            if (random.nextDouble() < dropRate) {
                return;
            }
            int copies = random.nextDouble() < duplicateRate ? 2 : 1;
            long from = memberId;
            for (int i = 0; i < copies; i++) {
                later(() -> {
                    if (linked(from, to)) {
                        to.inbound.onMessage(message);
                    }
                });
            }
        }

        @Override
        public CompletableFuture<Void> sendSnapshot(Message message, SnapshotBody body) {
            SimTransport to = peer(message.to());
            if (to == null) {
                return CompletableFuture.failedFuture(new IOException("member " + message.to() + " unreachable"));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                body.writeTo(bytes);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            long from = memberId;
            later(() -> {
                if (!linked(from, to)) {
                    done.completeExceptionally(new IOException("member " + message.to() + " unreachable"));
                    return;
                }
                try {
                    Path file = Files.createTempFile(spool, "snapshot-", ".bin");
                    Files.write(file, bytes.toByteArray());
                    ((PeerInbound) to.inbound).install(message, file).whenComplete((ok, error) -> {
                        try {
                            Files.deleteIfExists(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        if (error != null) {
                            done.completeExceptionally(error);
                        } else {
                            done.complete(null);
                        }
                    });
                } catch (IOException e) {
                    done.completeExceptionally(e);
                }
            });
            return done;
        }

        @Override
        public CompletableFuture<byte[]> call(URI peerUrl, String method, byte[] request) {
            return call(closed ? null : listeners.get(peerUrl), method, request);
        }

        @Override
        public CompletableFuture<byte[]> call(long peerId, String method, byte[] request) {
            return call(peer(peerId), method, request);
        }

        private CompletableFuture<byte[]> call(SimTransport to, String method, byte[] request) {
            if (to == null || !linked(memberId, to)) {
                return CompletableFuture.failedFuture(new IOException("unreachable"));
            }
            if (method.equals(MembershipCalls.CALL_MEMBERS)) {
                // answered off the driver: a joining member waits for it before it has a driver
                return to.inbound.onCall(method, request);
            }
            CompletableFuture<byte[]> answer = new CompletableFuture<>();
            long from = memberId;
            later(() -> {
                if (!linked(from, to)) {
                    answer.completeExceptionally(new IOException("unreachable"));
                    return;
                }
                to.inbound.onCall(method, request).whenComplete((bytes, error) -> {
                    if (error != null) {
                        answer.completeExceptionally(error);
                    } else {
                        answer.complete(bytes);
                    }
                });
            });
            return answer;
        }

        @Override
        public void close() {
            closed = true;
            urls.forEach(url -> listeners.remove(url, this));
        }
    }
}
