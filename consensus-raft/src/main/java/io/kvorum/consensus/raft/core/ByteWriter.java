package io.kvorum.consensus.raft.core;

import java.util.Arrays;

/** A growable buffer for {@link Encoding}: unsigned LEB128 varints and length-prefixed bytes. */
final class ByteWriter {
    private byte[] buf = new byte[64];
    private int size;

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }

    ByteWriter u8(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    /**
     * Longs as unsigned 64-bit numbers in 1 to 10 bytes: terms and indexes are small in practice;
     * member ids are etcd's uint64s and use all 64 bits.
     */
    ByteWriter varint(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buf[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf[size++] = (byte) value;
        return this;
    }

    ByteWriter bytes(byte[] value) {
        varint(value.length);
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
