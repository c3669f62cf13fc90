package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.spi.consensus.Member;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A count read from a peer's call is checked against the bytes that follow before it sizes
 * anything: a request of a few bytes that claims two billion items fails as malformed at once.
 */
class WireBoundsTest {

    @Test
    void aStringCountLargerThanTheBytesLeftIsMalformed() {
        byte[] request = ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 1).array();

        assertThrows(Wire.MalformedRecordException.class, () -> Wire.read(request, Wire::readStrings));
    }

    @Test
    void aNegativeStringCountIsMalformed() {
        byte[] request = ByteBuffer.allocate(4).putInt(-1).array();

        assertThrows(Wire.MalformedRecordException.class, () -> Wire.read(request, Wire::readStrings));
    }

    @Test
    void aMemberCountLargerThanTheBytesLeftIsMalformed() {
        byte[] request = ByteBuffer.allocate(12).putLong(GrpcCluster.CLUSTER_ID).putInt(Integer.MAX_VALUE).array();

        assertThrows(Wire.MalformedRecordException.class, () -> Wire.read(request, in -> {
            in.readLong();
            return Wire.readMembers(in);
        }));
    }

    @Test
    void aTruncatedRecordIsMalformed() {
        byte[] whole = Wire.bytes(out -> Wire.writeStrings(out, List.of("http://127.0.0.1:2380")));
        byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 3);

        assertThrows(Wire.MalformedRecordException.class, () -> Wire.read(truncated, Wire::readStrings));
    }

    @Test
    void wellFormedListsStillReadBack() {
        List<Member> members = List.of(new Member(1, "", List.of(), List.of(), false),
                new Member(2, "m2", List.of("http://a:1", "http://b:2"), List.of("http://c:3"), true));

        byte[] bytes = Wire.bytes(out -> Wire.writeMembers(out, members));

        assertEquals(members, Wire.read(bytes, Wire::readMembers));
        assertEquals(List.of(), Wire.read(Wire.bytes(out -> Wire.writeStrings(out, List.of())), Wire::readStrings));
    }
}
