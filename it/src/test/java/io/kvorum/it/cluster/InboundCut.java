package io.kvorum.it.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on loopback in front of each member's peer port (the port the others know it by),
 * that can cut off everything that reaches one member from its peers: {@link #cut(String)} closes
 * the connections into it and refuses new ones (accepted and closed at once) until {@link #heal()}.
 * The member's own connections out to the others are left alone; it hears nothing back, as no
 * peer can reach it, so it learns no leader and receives no entries or snapshots meanwhile.
 *
 * <p>Threads: one acceptor per proxy and two pumps per connection, all daemons; the cut set is a
 * volatile immutable set, replaced by the test thread.
 */
final class InboundCut implements Cluster.PeerFront, AutoCloseable {
    private final Map<String, Proxy> proxies = new ConcurrentHashMap<>();
    private volatile Set<String> cut = Set.of();

    @Override
    public int advertisedPort(String name, int listenPeerPort) {
        Proxy p = new Proxy(name, listenPeerPort);
        proxies.put(name, p);
        return p.port();
    }

    /** Closes every peer connection into {@code member} and refuses new ones until {@link #heal()}. */
    void cut(String member) {
        cut = Set.of(member);
        Proxy p = proxies.get(member);
        if (p != null) {
            p.closeAll();
        }
    }

    void heal() {
        cut = Set.of();
    }

    @Override
    public void close() {
        proxies.values().forEach(Proxy::close);
    }

    private final class Proxy {
        private final String member;
        private final int target;
        private final ServerSocket listener;
        private final List<Socket> open = new CopyOnWriteArrayList<>();

        Proxy(String member, int target) {
            this.member = member;
            this.target = target;
            try {
                listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen in front of " + member, e);
            }
            Thread acceptor = new Thread(this::accept, "peer-proxy-" + member);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!listener.isClosed()) {
                Socket in;
                try {
                    in = listener.accept();
                } catch (IOException e) {
                    return; // closed
                }
                if (cut.contains(member)) {
                    closeQuietly(in);
                    continue;
                }
                Socket out;
                try {
                    out = new Socket();
                    out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 1000);
                } catch (IOException e) {
                    closeQuietly(in); // the member is down: so is the link
                    continue;
                }
                open.add(in);
                open.add(out);
                pump(in, out);
                pump(out, in);
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[64 * 1024];
                try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
                    for (int n; (n = is.read(buffer)) >= 0; ) {
                        os.write(buffer, 0, n);
                    }
                } catch (IOException e) {
                    // one side closed: close both below
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                    open.remove(from);
                    open.remove(to);
                }
            }, "peer-pump-" + member);
            t.setDaemon(true);
            t.start();
        }

        void closeAll() {
            open.forEach(InboundCut::closeQuietly);
        }

        void close() {
            closeQuietly(listener);
            closeAll();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
