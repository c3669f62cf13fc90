package io.kvorum.it.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Ports for servers that cannot bind port 0 themselves (etcd, and every peer URL). A port is
 * handed out once per test JVM (of the last {@value #REMEMBERED} handed out): two halves of a test
 * that start their servers at the same time (e.g. {@link OracleRun}) never get the same port, even
 * while the first server to get it has not bound it yet.
 */
public final class FreePorts {
    private static final int REMEMBERED = 4096;
    /** The ports handed out, oldest first; guarded by the class. */
    private static final Set<Integer> HANDED_OUT = new LinkedHashSet<>();

    private FreePorts() {
    }

    /** A port that was free a moment ago on 127.0.0.1 (bound to port 0 and closed again), and not handed out before. */
    public static synchronized int pick() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = bindAndClose();
            if (HANDED_OUT.add(port)) {
                if (HANDED_OUT.size() > REMEMBERED) {
                    Iterator<Integer> oldest = HANDED_OUT.iterator();
                    oldest.next();
                    oldest.remove();
                }
                return port;
            }
        }
        throw new IllegalStateException("no port on 127.0.0.1 that was not handed out before, in 100 attempts");
    }

    private static int bindAndClose() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
