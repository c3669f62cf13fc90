package io.kvorum.consensus.raft.core;

import java.util.Arrays;

/** Reads what {@link ByteWriter} wrote; every overrun or malformed varint is an {@link EncodingException}. */
final class ByteReader {
    private final byte[] buf;
    private int pos;
    /** Where the value read ends: the array's end, or a record's inside a larger buffer. */
    private final int end;
    /** Where the value starts, so that errors name the byte within it. */
    private final int start;

    ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    /** Reads the {@code length} bytes of {@code buf} from {@code offset}, as if they were the whole array. */
    ByteReader(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || length > buf.length - offset) {
            throw new IndexOutOfBoundsException("bytes " + offset + "+" + length + " of " + buf.length);
        }
        this.buf = buf;
        this.pos = offset;
        this.start = offset;
        this.end = offset + length;
    }

    int u8() {
        if (pos >= end) {
            throw new EncodingException("truncated at byte " + (pos - start));
        }
        return buf[pos++] & 0xFF;
    }

    /** An unsigned 64-bit number (member ids use the top bit, so it may read as negative). */
    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            if (shift == 63 && (b & 0x7E) != 0) {
                throw new EncodingException("varint beyond 64 bits at byte " + (pos - start));
            }
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new EncodingException("varint longer than 10 bytes at byte " + (pos - start));
    }

    /** A count of items to follow, each at least one byte: bounded by what is left. */
    int count() {
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw new EncodingException("count " + n + " exceeds the " + (end - pos) + " bytes left");
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
        if (pos != end) {
            throw new EncodingException((end - pos) + " trailing bytes");
        }
    }
}
