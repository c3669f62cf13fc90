package io.kvorum.server.corruption;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kvorum.api.etcdserverpb.HashKVResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The corruption check's question to a peer over the consensus' peer channel
 * ({@code Consensus.ask}), as etcd's {@code /members/hashkv} on the peer port: "your HashKV at
 * revision R". The question is the revision (8 bytes); the answer is a byte, then either the
 * peer's {@link HashKVResponse} or the gRPC status it would have answered a client (a code and
 * etcd's description, e.g. "required revision is a future revision").
 */
final class PeerHashKV {
    /** The topic the server answers ({@code Consensus.answer}). */
    static final String TOPIC = "kvorum.hashkv";

    private static final byte OK = 0;
    private static final byte FAILED = 1;

    private PeerHashKV() {
    }

    static byte[] question(long revision) {
        return ByteBuffer.allocate(Long.BYTES).putLong(revision).array();
    }

    /** The revision asked for; a question of any other shape is refused. */
    static long revision(byte[] question) {
        if (question.length != Long.BYTES) {
            throw new IllegalArgumentException("a HashKV question is a revision of 8 bytes, not " + question.length);
        }
        return ByteBuffer.wrap(question).getLong();
    }

    static byte[] answer(HashKVResponse response) {
        byte[] body = response.toByteArray();
        byte[] answer = new byte[body.length + 1];
        answer[0] = OK;
        System.arraycopy(body, 0, answer, 1, body.length);
        return answer;
    }

    static byte[] failure(StatusRuntimeException e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FAILED);
            out.writeInt(e.getStatus().getCode().value());
            out.writeUTF(String.valueOf(e.getStatus().getDescription()));
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /**
     * The peer's response.
     *
     * @throws StatusRuntimeException what the peer answered instead, or {@code INTERNAL} for an
     *                                answer that is not one
     */
    static HashKVResponse response(byte[] answer) {
        try {
            if (answer.length > 0 && answer[0] == OK) {
                return HashKVResponse.parseFrom(ByteBuffer.wrap(answer, 1, answer.length - 1));
            }
            if (answer.length > 0 && answer[0] == FAILED) {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(answer, 1, answer.length - 1));
                Status.Code code = Status.fromCodeValue(in.readInt()).getCode();
                throw Status.fromCode(code).withDescription(in.readUTF()).asRuntimeException();
            }
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("malformed HashKV answer from a peer: " + e.getMessage())
                    .asRuntimeException();
        }
        throw Status.INTERNAL.withDescription("malformed HashKV answer from a peer").asRuntimeException();
    }
}
