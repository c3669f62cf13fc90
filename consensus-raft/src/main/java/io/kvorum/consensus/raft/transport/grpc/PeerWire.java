package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.kvorum.consensus.raft.core.EncodingException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The wire shape of the peer service: its methods, the stream headers, the frames' layout. */
final class PeerWire {
    static final String SERVICE = "kvorum.raft.Peer";

    /** The largest frame a peer accepts; a batch is cut well below it, a single Raft message may be larger. */
    static final int MAX_FRAME_BYTES = 256 << 20;

    static final Metadata.Key<String> CLUSTER_ID = Metadata.Key.of("kvorum-cluster-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> FROM_ID = Metadata.Key.of("kvorum-from-id", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TO_ID = Metadata.Key.of("kvorum-to-id", Metadata.ASCII_STRING_MARSHALLER);
    /** A call's method, in the headers too, so that who may make it is decided before its frame is read. */
    static final Metadata.Key<String> METHOD = Metadata.Key.of("kvorum-method", Metadata.ASCII_STRING_MARSHALLER);

    /** The longest method name a call may carry. */
    static final int MAX_METHOD_BYTES = 128;
    /** The largest request a call may carry: calls between members are small records. */
    static final int MAX_CALL_REQUEST_BYTES = 1 << 20;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new KnownLengthStream(value);
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

    /** Raft messages from one member to another, in order; each frame is a {@linkplain #batch batch}. */
    static final MethodDescriptor<byte[], byte[]> STREAM = method("Stream", MethodType.CLIENT_STREAMING);
    /** A snapshot: the encoded SNAP message, then the body in chunks; answered once restored. */
    static final MethodDescriptor<byte[], byte[]> SNAPSHOT = method("Snapshot", MethodType.CLIENT_STREAMING);
    /** A request/response call: a {@linkplain #callRequest method name and request} in, the response out. */
    static final MethodDescriptor<byte[], byte[]> CALL = method("Call", MethodType.UNARY);

    private PeerWire() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    /** The headers that open a stream from {@code from} to {@code to} in {@code clusterId}. */
    static Metadata streamHeaders(long clusterId, long from, long to) {
        Metadata headers = new Metadata();
        headers.put(CLUSTER_ID, Long.toHexString(clusterId));
        headers.put(FROM_ID, Long.toHexString(from));
        headers.put(TO_ID, Long.toHexString(to));
        return headers;
    }

    /** The headers of a call to {@code method}, with the caller's and the callee's ids where they are known. */
    static Metadata callHeaders(String method, Optional<Long> clusterId, Optional<Long> from, Optional<Long> to) {
        Metadata headers = new Metadata();
        headers.put(METHOD, method);
        clusterId.ifPresent(id -> headers.put(CLUSTER_ID, Long.toHexString(id)));
        from.ifPresent(id -> headers.put(FROM_ID, Long.toHexString(id)));
        to.ifPresent(id -> headers.put(TO_ID, Long.toHexString(id)));
        return headers;
    }

    /** A member or cluster id from the headers (etcd's unsigned hex); empty when absent or malformed. */
    static Optional<Long> id(Metadata headers, Metadata.Key<String> key) {
        String value = headers.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseUnsignedLong(value, 16));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Encoded messages, each prefixed by its length. */
    static byte[] batch(List<byte[]> messages) {
        int size = 0;
        for (byte[] m : messages) {
            size += Integer.BYTES + m.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (byte[] m : messages) {
            out.putInt(m.length).put(m);
        }
        return out.array();
    }

    /** The messages of a {@linkplain #batch batch}. */
    static List<byte[]> unbatch(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        List<byte[]> messages = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < Integer.BYTES) {
                throw new EncodingException("truncated batch: " + in.remaining() + " bytes left for a length");
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new EncodingException("batch entry of " + length + " bytes, " + in.remaining() + " left");
            }
            byte[] m = new byte[length];
            in.get(m);
            messages.add(m);
        }
        return messages;
    }

    /** A call's request frame: the method name (length-prefixed UTF-8), then the request bytes. */
    static byte[] callRequest(String method, byte[] request) {
        byte[] name = method.getBytes(StandardCharsets.UTF_8);
        if (name.length > MAX_METHOD_BYTES || request.length > MAX_CALL_REQUEST_BYTES) {
            throw new IllegalArgumentException("call " + method + " of " + request.length + " bytes is too large");
        }
        return ByteBuffer.allocate(Integer.BYTES + name.length + request.length)
                .putInt(name.length).put(name).put(request).array();
    }

    /** The method name and request of a {@linkplain #callRequest call's request frame}. */
    static CallRequest parseCallRequest(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        if (in.remaining() < Integer.BYTES) {
            throw new EncodingException("call request of " + frame.length + " bytes has no method name");
        }
        int length = in.getInt();
        if (length < 0 || length > MAX_METHOD_BYTES || length > in.remaining()) {
            throw new EncodingException("call method name of " + length + " bytes, " + in.remaining()
                    + " left (at most " + MAX_METHOD_BYTES + ")");
        }
        if (in.remaining() - length > MAX_CALL_REQUEST_BYTES) {
            throw new EncodingException("call request of " + (in.remaining() - length) + " bytes, more than "
                    + MAX_CALL_REQUEST_BYTES);
        }
        String method = new String(frame, Integer.BYTES, length, StandardCharsets.UTF_8);
        byte[] request = new byte[in.remaining() - length];
        System.arraycopy(frame, Integer.BYTES + length, request, 0, request.length);
        return new CallRequest(method, request);
    }

    /** What a {@code Call} frame carries. */
    record CallRequest(String method, byte[] request) {
    }

    /** Lets gRPC size a frame without copying it first. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        KnownLengthStream(byte[] bytes) {
            super(bytes);
        }
    }
}
