package io.kvorum.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An HTTP/2 client written frame by frame over a plain socket, for tests that need what no gRPC client
 * does: PINGs at will, PINGs left unanswered. It reads on its own thread and records what the server sends.
 */
final class RawHttp2Connection implements AutoCloseable {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;

    /** A GOAWAY as received. */
    record GoAway(long errorCode, String debugData) {
    }

    private final Socket socket;
    private final OutputStream out;
    private final boolean answerPings;
    /** The server's PINGs (their data) and the acks of this client's PINGs (negated data). */
    final BlockingQueue<Long> pings = new LinkedBlockingQueue<>();
    final CompletableFuture<GoAway> goAway = new CompletableFuture<>();
    /** Completes when the server closed the connection. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    /** Counted down once the server's SETTINGS were acknowledged: HTTP/2 is set up on both sides. */
    private final java.util.concurrent.CountDownLatch settled = new java.util.concurrent.CountDownLatch(1);

    /**
     * Connects, sends the preface and empty SETTINGS and waits for the server's SETTINGS (a client's usual first
     * round trip); {@code answerPings} false plays a peer that stopped answering. */
    RawHttp2Connection(URI url, boolean answerPings) throws IOException {
        this.answerPings = answerPings;
        socket = new Socket(url.getHost(), url.getPort());
        out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        Thread reader = new Thread(this::read, "raw-http2-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!settled.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IOException("no SETTINGS from the server");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Opens stream {@code id} as a gRPC call of {@code path} and leaves it open. */
    void openStream(int id, String path) throws IOException {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        headers.put(":method", "POST");
        headers.put(":scheme", "http");
        headers.put(":path", path);
        headers.put(":authority", "localhost");
        headers.put("content-type", "application/grpc");
        headers.put("te", "trailers");
        headers.forEach((name, value) -> {
            // HPACK literal header field without indexing, new name, no Huffman coding (RFC 7541 §6.2.2)
            block.write(0);
            literal(block, name);
            literal(block, value);
        });
        frame(HEADERS, END_HEADERS, id, block.toByteArray());
    }

    /** Sends one gRPC message (uncompressed) on stream {@code id}. */
    void sendMessage(int id, byte[] message) throws IOException {
        byte[] payload = new byte[5 + message.length];
        payload[1] = (byte) (message.length >>> 24);
        payload[2] = (byte) (message.length >>> 16);
        payload[3] = (byte) (message.length >>> 8);
        payload[4] = (byte) message.length;
        System.arraycopy(message, 0, payload, 5, message.length);
        frame(DATA, 0, id, payload);
    }

    void ping(long data) throws IOException {
        frame(PING, 0, 0, longBytes(data));
    }

    /** PINGs {@code first} to {@code last} in one write, so that the server reads them together. */
    synchronized void pings(long first, long last) throws IOException {
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (long data = first; data <= last; data++) {
            burst.writeBytes(new byte[] {0, 0, 8, PING, 0, 0, 0, 0, 0});
            burst.writeBytes(longBytes(data));
        }
        out.write(burst.toByteArray());
        out.flush();
    }

    private static void literal(ByteArrayOutputStream block, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        block.write(bytes.length); // all names and values here are shorter than 127
        block.writeBytes(bytes);
    }

    private synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream};
        out.write(header);
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
                    long data = java.nio.ByteBuffer.wrap(payload).getLong();
                    if ((flags & ACK) != 0) {
                        pings.add(-data);
                    } else {
                        pings.add(data);
                        if (answerPings) {
                            frame(PING, ACK, 0, payload);
                        }
                    }
                } else if (type == GOAWAY) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload);
                    b.getInt();
                    long code = b.getInt() & 0xffffffffL;
                    goAway.complete(new GoAway(code,
                            new String(payload, 8, payload.length - 8, StandardCharsets.US_ASCII)));
                }
            }
        } catch (EOFException e) {
            closed.complete(null);
        } catch (IOException e) {
            closed.complete(null);
        }
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
