package io.kvorum.it.nemesis;

import io.kvorum.it.cluster.Cluster;
import io.kvorum.it.cluster.ClusterMember;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The members' peer traffic, through one TCP proxy on loopback in front of each member's peer port
 * (the port the others know it by). The nemesis isolates a member: every connection into it and
 * every connection out of it to another member is closed, and new ones are refused (accepted and
 * closed at once), until {@link #heal()}. A connection's origin is the member whose process opened
 * it ({@link LoopbackSockets}); one of unknown origin may come from the isolated member, so while a
 * member is isolated it is refused (and closed at the cut): a dialer that was not the isolated one
 * only dials again, whereas one let through would leak the cut.
 *
 * <p>Threads: one acceptor per proxy and two pumps per connection, all daemons; the isolated set is
 * a volatile immutable set, replaced by the nemesis thread.
 */
final class PeerNetwork implements AutoCloseable {
    private final Map<String, Proxy> proxies = new ConcurrentHashMap<>();
    private final AtomicLong unknownOrigins = new AtomicLong();
    private volatile Cluster cluster;
    private volatile Set<String> isolated = Set.of();

    /** For {@link Cluster#start}: a proxy in front of each member, created as the member is. */
    Cluster.PeerFront front() {
        return (name, listenPeerPort) -> {
            Proxy p = new Proxy(name, listenPeerPort);
            proxies.put(name, p);
            return p.port();
        };
    }

    /** The cluster whose processes open the connections, to tell their origin. */
    void attach(Cluster cluster) {
        this.cluster = cluster;
    }

    void isolate(String member) {
        isolated = Set.of(member);
        proxies.values().forEach(Proxy::closeCrossing);
    }

    void heal() {
        isolated = Set.of();
    }

    /** Connections whose origin could not be told (allowed unless into an isolated member). */
    long unknownOrigins() {
        return unknownOrigins.get();
    }

    private boolean allowed(Optional<String> origin, String target) {
        Set<String> cut = isolated;
        if (cut.contains(target)) {
            return false;
        }
        return origin.map(o -> !cut.contains(o)).orElse(cut.isEmpty());
    }

    private Optional<String> originOf(Socket accepted) {
        Cluster c = cluster;
        if (c == null) {
            return Optional.empty();
        }
        Map<String, List<ProcessHandle>> groups = new LinkedHashMap<>();
        for (ClusterMember m : c.members()) {
            groups.put(m.name(), m.processTree());
        }
        // the dialer's socket is in /proc by the time accept returns; a second look covers a slow /proc
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<String> owner = LoopbackSockets.owner(accepted.getPort(), accepted.getLocalPort(), groups);
            if (owner.isPresent()) {
                return owner;
            }
            ManagedProcess.pause(5);
        }
        unknownOrigins.incrementAndGet();
        return Optional.empty();
    }

    @Override
    public void close() {
        proxies.values().forEach(Proxy::close);
    }

    /** One proxy: accepts on its own port, forwards to the member's peer port. */
    private final class Proxy {
        private final String target;
        private final int targetPort;
        private final ServerSocket server;
        private final Set<Link> links = ConcurrentHashMap.newKeySet();

        Proxy(String target, int targetPort) {
            this.target = target;
            this.targetPort = targetPort;
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a peer proxy for " + target, e);
            }
            Thread acceptor = new Thread(this::accept, "peer-proxy-" + target);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                Socket in;
                try {
                    in = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                Optional<String> origin = originOf(in);
                if (!allowed(origin, target)) {
                    closeQuietly(in);
                    continue;
                }
                Socket out = new Socket();
                try {
                    out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
                } catch (IOException e) {
                    closeQuietly(in);
                    closeQuietly(out);
                    continue; // the member is down: the dialer sees the connection end, as a refusal
                }
                Link link = new Link(origin, in, out);
                links.add(link);
                pump(link, in, out, "to");
                pump(link, out, in, "from");
            }
        }

        private void pump(Link link, Socket from, Socket to, String direction) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try (InputStream input = from.getInputStream(); OutputStream output = to.getOutputStream()) {
                    int n;
                    while ((n = input.read(buffer)) >= 0) {
                        output.write(buffer, 0, n);
                    }
                } catch (IOException e) {
                    // closed by the other pump, the nemesis or the member: the link ends
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                    links.remove(link);
                }
            }, "peer-proxy-" + target + "-" + direction + "-" + link.origin.orElse("?"));
            t.setDaemon(true);
            t.start();
        }

        void closeCrossing() {
            for (Link l : links) {
                if (!allowed(l.origin, target)) {
                    closeQuietly(l.in);
                    closeQuietly(l.out);
                }
            }
        }

        void close() {
            closeQuietly(server);
            for (Link l : links) {
                closeQuietly(l.in);
                closeQuietly(l.out);
            }
        }
    }

    private record Link(Optional<String> origin, Socket in, Socket out) {
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
