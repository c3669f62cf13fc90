package io.kvorum.consensus.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.kvorum.consensus.raft.core.EncodingException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PeerWireTest {

    @Test
    void aBatchGivesBackItsMessagesInOrder() {
        List<byte[]> messages = List.of(bytes("first"), new byte[0], bytes("third"));

        List<byte[]> back = PeerWire.unbatch(PeerWire.batch(messages));

        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(messages.get(i), back.get(i));
        }
        assertEquals(List.of(), PeerWire.unbatch(PeerWire.batch(List.of())));
    }

    @Test
    void aTruncatedBatchIsRejected() {
        byte[] frame = PeerWire.batch(List.of(bytes("message")));

        assertThrows(EncodingException.class, () -> PeerWire.unbatch(Arrays.copyOf(frame, frame.length - 1)));
        assertThrows(EncodingException.class, () -> PeerWire.unbatch(new byte[] {0, 0}));
        assertThrows(EncodingException.class,
                () -> PeerWire.unbatch(ByteBuffer.allocate(4).putInt(-1).array()));
    }

    @Test
    void aCallRequestCarriesItsMethodAndBytes() {
        PeerWire.CallRequest request = PeerWire.parseCallRequest(PeerWire.callRequest("membër/add", bytes("body")));

        assertEquals("membër/add", request.method());
        assertArrayEquals(bytes("body"), request.request());
        assertThrows(EncodingException.class, () -> PeerWire.parseCallRequest(new byte[3]));
        assertThrows(EncodingException.class,
                () -> PeerWire.parseCallRequest(ByteBuffer.allocate(5).putInt(9).array()));
    }

    @Test
    void streamHeadersCarryIdsAsUnsignedHex() {
        Metadata headers = PeerWire.streamHeaders(-1L, 0x8e9e05c52164694dL, 2);

        assertEquals("ffffffffffffffff", headers.get(PeerWire.CLUSTER_ID));
        assertEquals(Optional.of(-1L), PeerWire.id(headers, PeerWire.CLUSTER_ID));
        assertEquals(Optional.of(0x8e9e05c52164694dL), PeerWire.id(headers, PeerWire.FROM_ID));
        assertEquals(Optional.of(2L), PeerWire.id(headers, PeerWire.TO_ID));
        Metadata bad = new Metadata();
        bad.put(PeerWire.TO_ID, "not hex");
        assertEquals(Optional.empty(), PeerWire.id(bad, PeerWire.TO_ID));
        assertEquals(Optional.empty(), PeerWire.id(bad, PeerWire.CLUSTER_ID));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
