package io.kvorum.it.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports for servers that cannot bind port 0 themselves (etcd, and every peer URL). */
public final class FreePorts {
    private FreePorts() {
    }

    /** A port that was free a moment ago on 127.0.0.1 (bound to port 0 and closed again). */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
