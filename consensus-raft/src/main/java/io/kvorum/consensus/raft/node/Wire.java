package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.Member;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte formats this package keeps in the log, in snapshot files and in calls between members.
 * All are versionless by design of their place: the first byte of an entry says what it is, and
 * calls are between members of one release.
 */
final class Wire {
    /** The first byte of a NORMAL entry's data: the application's bytes follow. */
    static final byte APPLICATION = 0;
    /** A member publishes its name and client URLs (etcd's attribute update). */
    static final byte PUBLISH = 1;
    /** A member's peer URLs change (etcd's ConfChangeUpdateNode, kept out of the Raft configuration). */
    static final byte UPDATE = 2;

    /** No bytes: the data of the consensus' own entries as the state machine sees them, an empty answer. */
    static final byte[] NO_DATA = new byte[0];

    /** A string as {@code writeUTF} writes it: a two-byte length, then the characters. */
    private static final int MIN_STRING_BYTES = 2;
    /** A member: id, name, two string lists and the learner flag. */
    private static final int MIN_MEMBER_BYTES = Long.BYTES + MIN_STRING_BYTES + 2 * Integer.BYTES + 1;

    private static final byte OK = 0;
    private static final byte FAILED = 1;

    private Wire() {
    }

    /** Writes fields to bytes; an {@link IOException} of a byte array cannot happen. */
    @FunctionalInterface
    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads fields from bytes. */
    @FunctionalInterface
    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    static byte[] bytes(Writer writer) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /** Bytes that do not hold the record asked for: truncated, or a count larger than what follows. */
    static final class MalformedRecordException extends IllegalArgumentException {
        MalformedRecordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads a record; every count in it is checked against the bytes left before it sizes
     * anything, so a malformed record (a peer's call, say) fails here and allocates nothing large.
     */
    static <T> T read(byte[] bytes, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return reader.read(in);
        } catch (IOException e) {
            throw new MalformedRecordException("malformed consensus record of " + bytes.length + " bytes: "
                    + e.getMessage(), e);
        }
    }

    /** A count of items read from {@code in}, each at least {@code minItemBytes} long: bounded by the bytes left. */
    static int readCount(DataInputStream in, int minItemBytes) throws IOException {
        int n = in.readInt();
        int left = in.available();
        if (n < 0 || (long) n * minItemBytes > left) {
            throw new IOException("count " + n + " of items of at least " + minItemBytes + " bytes, " + left
                    + " bytes left");
        }
        return n;
    }

    static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            out.writeUTF(v);
        }
    }

    static List<String> readStrings(DataInputStream in) throws IOException {
        int n = readCount(in, MIN_STRING_BYTES);
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(in.readUTF());
        }
        return values;
    }

    static void writeMember(DataOutputStream out, Member m) throws IOException {
        out.writeLong(m.id());
        out.writeUTF(m.name());
        writeStrings(out, m.peerUrls());
        writeStrings(out, m.clientUrls());
        out.writeBoolean(m.learner());
    }

    static Member readMember(DataInputStream in) throws IOException {
        return new Member(in.readLong(), in.readUTF(), readStrings(in), readStrings(in), in.readBoolean());
    }

    static void writeMembers(DataOutputStream out, List<Member> members) throws IOException {
        out.writeInt(members.size());
        for (Member m : members) {
            writeMember(out, m);
        }
    }

    static List<Member> readMembers(DataInputStream in) throws IOException {
        int n = readCount(in, MIN_MEMBER_BYTES);
        List<Member> members = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            members.add(readMember(in));
        }
        return members;
    }

    /** A NORMAL entry's data: the kind byte, then the body. */
    static byte[] entry(byte kind, byte[] body) {
        byte[] data = new byte[body.length + 1];
        data[0] = kind;
        System.arraycopy(body, 0, data, 1, body.length);
        return data;
    }

    // ---- call answers: OK + body, or FAILED + reason + message

    static byte[] answer(byte[] body) {
        return entry(OK, body);
    }

    static byte[] failure(ConsensusException e) {
        return bytes(out -> {
            out.writeByte(FAILED);
            out.writeUTF(e.reason().name());
            out.writeUTF(String.valueOf(e.getMessage()));
        });
    }

    /** Whether a call's answer is a success (not a failure). */
    static boolean succeeded(byte[] answer) {
        return answer.length > 0 && answer[0] == OK;
    }

    /** The body of an answer; throws the failure it carries. */
    static byte[] body(byte[] answer) {
        if (answer.length == 0) {
            throw new IllegalStateException("empty answer from a peer");
        }
        if (answer[0] == OK) {
            byte[] body = new byte[answer.length - 1];
            System.arraycopy(answer, 1, body, 0, body.length);
            return body;
        }
        ConsensusException failure = read(answer, in -> {
            in.readByte();
            return new ConsensusException(ConsensusException.Reason.valueOf(in.readUTF()), in.readUTF());
        });
        throw failure;
    }
}
