package io.kvorum.server.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's {@code base64.StdEncoding} decoder, which etcd's gateway uses for every {@code bytes} field
 * of a request: standard alphabet, padding required, {@code \r} and {@code \n} skipped anywhere,
 * and on bad input Go's error, {@code illegal base64 data at input byte N}, with N counted in
 * bytes of the UTF-8 text as Go counts it. The JDK's decoders differ: they refuse line breaks,
 * accept missing padding or the URL alphabet, and word their errors otherwise.
 */
final class GoBase64 {
    private static final byte[] VALUES = new byte[256];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
    }

    private GoBase64() {
    }

    /**
     * The bytes {@code text} encodes.
     *
     * @throws IllegalArgumentException with Go's message when it is not standard, padded base64
     */
    static byte[] decode(String text) {
        byte[] src = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(src.length * 3 / 4);
        int si = 0;
        while (si < src.length) {
            si = decodeQuantum(src, si, out);
        }
        return out.toByteArray();
    }

    /** One group of four characters from {@code si}, as Go's {@code decodeQuantum}; the index after it. */
    private static int decodeQuantum(byte[] src, int si, ByteArrayOutputStream out) {
        int[] buf = new int[4];
        int length = 4;
        for (int j = 0; j < 4; j++) {
            if (si == src.length) {
                if (j == 0) {
                    return si;
                }
                // padding is required: a group cut short is corrupt where it started
                throw corrupt(si - j);
            }
            int in = src[si++] & 0xff;
            int value = VALUES[in];
            if (value >= 0) {
                buf[j] = value;
                continue;
            }
            if (in == '\n' || in == '\r') {
                j--;
                continue;
            }
            if (in != '=' || j < 2) {
                throw corrupt(si - 1);
            }
            if (j == 2) {
                // "==" expected; the first one is read
                si = skipLineBreaks(src, si);
                if (si == src.length) {
                    throw corrupt(src.length);
                }
                if (src[si] != '=') {
                    throw corrupt(si - 1);
                }
                si++;
            }
            si = skipLineBreaks(src, si);
            if (si < src.length) {
                throw corrupt(si); // trailing garbage after the padding
            }
            length = j;
            break;
        }
        int bits = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3];
        for (int k = 0; k < length - 1; k++) {
            out.write(bits >> (16 - 8 * k) & 0xff);
        }
        return si;
    }

    private static int skipLineBreaks(byte[] src, int si) {
        while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
            si++;
        }
        return si;
    }

    private static IllegalArgumentException corrupt(int at) {
        return new IllegalArgumentException("illegal base64 data at input byte " + at);
    }
}
