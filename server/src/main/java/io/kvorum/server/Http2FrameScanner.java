package io.kvorum.server;

import io.netty.buffer.ByteBuf;
import java.util.function.IntConsumer;

/**
 * Follows a stream of HTTP/2 frames (RFC 9113 §4.1) over the buffers it comes in, however they cut it,
 * and reports each frame's type as its header completes; payloads are skipped. It must be started at a
 * frame boundary. Not thread-safe: one connection's event loop feeds it.
 */
final class Http2FrameScanner {
    private static final int HEADER_LENGTH = 9;

    private final byte[] header = new byte[HEADER_LENGTH];
    private int headerFilled;
    private long payloadLeft;

    /** Reads {@code buf}'s readable bytes without consuming them; {@code frameType} gets each frame's type. */
    void scan(ByteBuf buf, IntConsumer frameType) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                i += skip;
                payloadLeft -= skip;
                continue;
            }
            header[headerFilled++] = buf.getByte(i++);
            if (headerFilled == HEADER_LENGTH) {
                headerFilled = 0;
                payloadLeft = ((header[0] & 0xffL) << 16) | ((header[1] & 0xffL) << 8) | (header[2] & 0xffL);
                frameType.accept(header[3] & 0xff);
            }
        }
    }
}
