package io.kvorum.it.tls;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTP/2 written frame by frame, over TLS (ALPN {@code h2}) to an {@code https} URL or in plaintext (prior
 * knowledge, as gRPC clients speak it) to an {@code http} one, for what no gRPC client does: PINGs at will,
 * and the server's PINGs left unanswered. It reads on its own thread and records the PINGs, the GOAWAY and
 * the close it sees.
 */
final class RawHttp2Connection implements AutoCloseable {
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;

    /** A GOAWAY as received. */
    record GoAway(long errorCode, String debugData) {
    }

    private final Socket socket;
    private final String scheme;
    private final OutputStream out;
    private final boolean answerPings;
    /** The server's PINGs (their data) and the acknowledgements of this client's (their data negated). */
    final BlockingQueue<Long> pings = new LinkedBlockingQueue<>();
    final CompletableFuture<GoAway> goAway = new CompletableFuture<>();
    /** Completes when the server closed the connection. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final CountDownLatch settled = new CountDownLatch(1);

    /**
     * Connects (over TLS trusting {@code ca}, negotiating {@code h2}), sends the preface and empty SETTINGS and
     * waits for the server's; {@code answerPings} false plays a client that stopped answering.
     */
    RawHttp2Connection(URI url, X509Certificate ca, boolean answerPings) throws Exception {
        this.answerPings = answerPings;
        this.scheme = url.getScheme();
        socket = "https".equals(scheme) ? tls(url, ca) : new Socket(url.getHost(), url.getPort());
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        Thread reader = new Thread(this::read, "raw-http2-reader");
        reader.setDaemon(true);
        reader.start();
        if (!settled.await(30, TimeUnit.SECONDS)) {
            close();
            throw new IOException("no SETTINGS from the server");
        }
    }

    private static SSLSocket tls(URI url, X509Certificate ca) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(url.getHost(), url.getPort());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            socket.close();
            throw new IOException("the server did not choose h2 but \"" + socket.getApplicationProtocol() + "\"");
        }
        return socket;
    }

    /** Opens stream {@code id} as a gRPC call of {@code path} and leaves it open. */
    void openStream(int id, String path) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        String[][] headers = {{":method", "POST"}, {":scheme", scheme}, {":path", path}, {":authority", "localhost"},
                {"content-type", "application/grpc"}, {"te", "trailers"}};
        for (String[] h : headers) {
            // HPACK literal header field without indexing, new name, no Huffman coding (RFC 7541 §6.2.2)
            block.write(0);
            literal(block, h[0]);
            literal(block, h[1]);
        }
        frame(HEADERS, END_HEADERS, id, block.toByteArray());
    }

    void ping(long data) throws IOException {
        frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    /** PINGs {@code first} to {@code last} in one write, so that the server reads them together. */
    synchronized void pings(long first, long last) throws IOException {
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (long data = first; data <= last; data++) {
            burst.writeBytes(new byte[] {0, 0, 8, PING, 0, 0, 0, 0, 0});
            burst.writeBytes(ByteBuffer.allocate(8).putLong(data).array());
        }
        out.write(burst.toByteArray());
        out.flush();
    }

    /** Pings with {@code data} and waits for its acknowledgement. */
    void pingAndAwaitAck(long data) throws Exception {
        ping(data);
        awaitAck(data);
    }

    /**
     * Pings with {@code data}, waits for its acknowledgement, then a moment for a GOAWAY the server may send
     * right after it: the next PING is not written to a connection that the server is closing.
     */
    void pingAndAwaitAckOrGoAway(long data) throws Exception {
        pingAndAwaitAck(data);
        try {
            goAway.get(300, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // none: the server took the PING
        }
    }

    /** Waits for the acknowledgement of this client's PING {@code data}, failing at once if the server closed first. */
    void awaitAck(long data) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Long p = pings.poll(100, TimeUnit.MILLISECONDS);
            if (p != null && p == -data) {
                return;
            }
            if (p == null && closed.isDone()) {
                throw new AssertionError("the server closed the connection before acknowledging ping " + data
                        + (goAway.isDone() ? ", after " + goAway.join() : ""));
            }
        }
        throw new AssertionError("ping " + data + " not acknowledged");
    }

    private static void literal(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        block.write(bytes.length); // every name and value here is shorter than 127 bytes
        block.writeBytes(bytes);
    }

    private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream});
        out.write(payload);
        out.flush();
    }

    private void read() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (type == SETTINGS && (flags & ACK) == 0) {
                    frame(SETTINGS, ACK, 0, new byte[0]);
                    settled.countDown();
                } else if (type == PING) {
                    long data = ByteBuffer.wrap(payload).getLong();
                    if ((flags & ACK) != 0) {
                        pings.add(-data);
                    } else {
                        pings.add(data);
                        if (answerPings) {
                            frame(PING, ACK, 0, payload);
                        }
                    }
                } else if (type == GOAWAY) {
                    ByteBuffer b = ByteBuffer.wrap(payload);
                    b.getInt(); // last stream id
                    long code = b.getInt() & 0xffffffffL;
                    goAway.complete(new GoAway(code, new String(payload, 8, payload.length - 8, StandardCharsets.US_ASCII)));
                }
            }
        } catch (IOException e) {
            closed.complete(null); // the end of the stream, or the connection reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
