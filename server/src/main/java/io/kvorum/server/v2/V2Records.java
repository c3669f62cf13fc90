package io.kvorum.server.v2;

import io.kvorum.spi.backend.Bucket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * How the v2 store lies in the backend's {@code v2store} bucket: one record per node under its
 * path (parents sort before their children), and the store index under {@code index}. Written in
 * the same backend commit as the entries that changed them, so the store is durable exactly as
 * far as the applied index, and travels in every state-machine snapshot.
 */
public final class V2Records {
    /** The backend bucket of the v2 store. */
    public static final Bucket BUCKET = new Bucket("v2store");
    static final byte[] INDEX_KEY = "index".getBytes(StandardCharsets.US_ASCII);
    private static final byte VERSION = 1;

    private V2Records() {
    }

    /** A record read back: a node, or the store index. */
    public record Record(byte[] key, byte[] value) {
        boolean isIndex() {
            return java.util.Arrays.equals(key, INDEX_KEY);
        }

        long index() {
            return ByteBuffer.wrap(value).getLong();
        }

        V2Node node() {
            String path = new String(key, StandardCharsets.UTF_8);
            ByteBuffer in = ByteBuffer.wrap(value);
            if (in.get() != VERSION) {
                throw new IllegalStateException("v2 store: record " + path + " of an unknown version");
            }
            boolean dir = in.get() != 0;
            long created = in.getLong();
            long modified = in.getLong();
            long expire = in.getLong();
            byte[] v = new byte[in.getInt()];
            in.get(v);
            return V2Node.restored(path, dir, new String(v, StandardCharsets.UTF_8), created, modified, expire);
        }
    }

    static byte[] key(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encode(V2Node n) {
        byte[] v = n.value.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 1 + 8 * 3 + 4 + v.length).put(VERSION).put((byte) (n.isDir() ? 1 : 0))
                .putLong(n.createdIndex).putLong(n.modifiedIndex).putLong(n.expireTime).putInt(v.length).put(v)
                .array();
    }

    static byte[] encodeIndex(long index) {
        return ByteBuffer.allocate(8).putLong(index).array();
    }
}
