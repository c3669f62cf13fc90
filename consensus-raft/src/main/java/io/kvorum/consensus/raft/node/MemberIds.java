package io.kvorum.consensus.raft.node;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** Member ids as etcd's membership.NewMember computes them for MemberAdd. */
final class MemberIds {
    private MemberIds() {
    }

    /**
     * The first 8 bytes, big-endian, of SHA-1 over the sorted peer URLs joined without separator,
     * the cluster name (empty for MemberAdd) and the Unix time in seconds, in decimal.
     */
    static long newMemberId(List<String> peerUrls, String clusterName, long unixSeconds) {
        String joined = String.join("", peerUrls.stream().sorted().toList()) + clusterName + unixSeconds;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-1").digest(joined.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(hash, 0, 8).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
