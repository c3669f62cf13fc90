package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the peer port that sends whatever headers and frames a test gives it, as anyone
 * who can reach the port could: it knows the wire only as a stranger would (the service's method
 * and header names), and reports how the member closed the call.
 */
public final class RawPeer implements AutoCloseable {
    public static final String STREAM = "Stream";
    public static final String SNAPSHOT = "Snapshot";
    public static final String CALL = "Call";
    public static final List<String> METHODS = List.of(STREAM, SNAPSHOT, CALL);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final ManagedChannel channel;

    public RawPeer(URI url) {
        channel = NettyChannelBuilder.forAddress(new InetSocketAddress(url.getHost(), url.getPort()))
                .usePlaintext().disableRetry().build();
    }

    /** What the member answered: the status it closed the call with, and its answer when there was one. */
    public record Outcome(Status status, byte[] answer) {
        public Status.Code code() {
            return status.getCode();
        }

        public String description() {
            return String.valueOf(status.getDescription());
        }

        @Override
        public String toString() {
            return status.getCode() + " " + status.getDescription();
        }
    }

    /** The headers a member stamps: {@code kvorum-cluster-id}, {@code kvorum-from-id}, {@code kvorum-to-id}, in hex. */
    public static Map<String, String> identity(long clusterId, long from, long to) {
        return Map.of("kvorum-cluster-id", Long.toHexString(clusterId), "kvorum-from-id", Long.toHexString(from),
                "kvorum-to-id", Long.toHexString(to));
    }

    /** A {@code Call} frame: the method name, length-prefixed, then the request. */
    public static byte[] callFrame(String method, byte[] request) {
        byte[] name = method.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Integer.BYTES + name.length + request.length).putInt(name.length).put(name)
                .put(request).array();
    }

    /** A {@code Stream} frame: each encoded message prefixed by its length. */
    public static byte[] batch(List<byte[]> messages) {
        int size = messages.stream().mapToInt(m -> Integer.BYTES + m.length).sum();
        ByteBuffer out = ByteBuffer.allocate(size);
        messages.forEach(m -> out.putInt(m.length).put(m));
        return out.array();
    }

    /**
     * Opens {@code method} with {@code headers}, sends {@code frames}, half-closes, and waits up to
     * {@code patience} for the member to close the call; a call still open then is cancelled and
     * reported as {@code DEADLINE_EXCEEDED}.
     */
    public Outcome send(String method, Map<String, String> headers, List<byte[]> frames, Duration patience)
            throws InterruptedException {
        MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                // the type never crosses the wire: streaming lets a test send a call any number of frames
                .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("kvorum.raft.Peer", method))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ClientCall<byte[], byte[]> call = channel.newCall(descriptor, CallOptions.DEFAULT);
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        Metadata metadata = new Metadata();
        headers.forEach((k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
        call.start(new ClientCall.Listener<>() {
            private byte[] answer;

            @Override
            public void onMessage(byte[] message) {
                answer = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                outcome.complete(new Outcome(status, answer));
            }
        }, metadata);
        call.request(1);
        try {
            for (byte[] frame : frames) {
                call.sendMessage(frame);
            }
            call.halfClose();
        } catch (IllegalStateException closedAlready) {
            // the member closed the call while we still sent: its status tells why
        }
        try {
            return outcome.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel("no answer in time", null);
            return new Outcome(Status.DEADLINE_EXCEEDED.withDescription("no answer in " + patience), null);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
    }
}
