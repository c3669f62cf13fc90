package io.kvorum.server.cluster;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster ids derived exactly as etcd derives them, so a member started with the same
 * flags as an etcd member has the same ids.
 */
public final class MemberIds {
    private MemberIds() {
    }

    /**
     * A member id: the first 8 bytes (big-endian) of SHA-1 over the sorted peer URLs concatenated,
     * followed by the cluster token.
     */
    public static long memberId(Collection<URI> peerUrls, String clusterToken) {
        List<String> urls = peerUrls.stream().map(URI::toString).sorted().toList();
        StringBuilder b = new StringBuilder();
        urls.forEach(b::append);
        b.append(clusterToken);
        return first8(sha1(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** A cluster id: the first 8 bytes of SHA-1 over the sorted member ids, each as 8 big-endian bytes. */
    public static long clusterId(Collection<Long> memberIds) {
        long[] ids = memberIds.stream().mapToLong(Long::longValue).toArray();
        sortUnsigned(ids);
        ByteBuffer buf = ByteBuffer.allocate(8 * ids.length);
        for (long id : ids) {
            buf.putLong(id);
        }
        return first8(sha1(buf.array()));
    }

    /** An id as etcd prints it: lower-case hex without leading zeros. */
    public static String hex(long id) {
        return Long.toHexString(id);
    }

    private static void sortUnsigned(long[] ids) {
        // Go sorts member ids as uint64.
        for (int i = 1; i < ids.length; i++) {
            long v = ids[i];
            int j = i - 1;
            while (j >= 0 && Long.compareUnsigned(ids[j], v) > 0) {
                ids[j + 1] = ids[j];
                j--;
            }
            ids[j + 1] = v;
        }
    }

    private static long first8(byte[] hash) {
        return ByteBuffer.wrap(hash, 0, 8).getLong();
    }

    private static byte[] sha1(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-1", e);
        }
    }
}
