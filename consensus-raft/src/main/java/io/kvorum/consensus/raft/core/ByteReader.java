package io.kvorum.consensus.raft.core;

import java.util.Arrays;

/** Reads what {@link ByteWriter} wrote; every overrun or malformed varint is an {@link EncodingException}. */
final class ByteReader {
    private final byte[] buf;
    private int pos;

    ByteReader(byte[] buf) {
        this.buf = buf;
    }

    int u8() {
        if (pos >= buf.length) {
            throw new EncodingException("truncated at byte " + pos);
        }
        return buf[pos++] & 0xFF;
    }

    /** An unsigned 64-bit number (member ids use the top bit, so it may read as negative). */
    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            if (shift == 63 && (b & 0x7E) != 0) {
                throw new EncodingException("varint beyond 64 bits at byte " + pos);
            }
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new EncodingException("varint longer than 10 bytes at byte " + pos);
    }

    /** A count of items to follow, each at least one byte: bounded by what is left. */
    int count() {
        long n = varint();
        if (n < 0 || n > buf.length - pos) {
            throw new EncodingException("count " + n + " exceeds the " + (buf.length - pos) + " bytes left");
        }
        return (int) n;
    }

    byte[] bytes() {
        int n = count();
        byte[] value = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return value;
    }

    void expectEnd() {
        if (pos != buf.length) {
            throw new EncodingException((buf.length - pos) + " trailing bytes");
        }
    }
}
