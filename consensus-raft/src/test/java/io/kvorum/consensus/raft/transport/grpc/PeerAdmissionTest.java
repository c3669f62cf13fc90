package io.kvorum.consensus.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The peer port admits only members of its cluster: every stream, snapshot and call is checked on
 * its headers (cluster id, sender, addressee) before any of its frames reaches the member, and a
 * frame an admitted peer sends is checked before it goes on.
 */
class PeerAdmissionTest {
    private static final long CLUSTER = 0xC1A5;
    private static final long SELF = 2;
    private static final long MEMBER = 1;
    private static final long STRANGER = 9;
    private static final long REMOVED = 7;
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger snapshots = new AtomicInteger();
    private final RecordingInbound inbound = new RecordingInbound() {
        @Override
        public CompletableFuture<byte[]> onCall(String method, byte[] request) {
            calls.incrementAndGet();
            return super.onCall(method, request);
        }

        @Override
        public void onSnapshot(Message message, InputStream body) throws IOException {
            snapshots.incrementAndGet();
            body.readAllBytes();
        }
    };
    private GrpcTransport member;
    private RawPeer peer;

    @BeforeEach
    void start() throws IOException {
        member = new GrpcTransport(List.of(URI.create("http://127.0.0.1:0")));
        member.start(inbound);
        member.identify(SELF, CLUSTER);
        member.updatePeers(Map.of(MEMBER, List.of(URI.create("http://127.0.0.1:1"))));
        member.updateRemoved(Set.of(REMOVED));
        peer = new RawPeer(member.boundPeerUrls().get(0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        peer.close();
        member.close();
    }

    @Test
    void aStreamOfAKnownMemberIsAcceptedAndItsMessagesArrive() throws Exception {
        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER, MEMBER, SELF), heartbeat(MEMBER, SELF));

        assertEquals(Status.Code.OK, outcome.code(), outcome.toString());
        assertEquals(List.of(heartbeat(MEMBER, SELF)), inbound.messages());
    }

    @Test
    void aStreamFromAnotherClusterIsRefusedWithClusterIdMismatch() throws Exception {
        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER + 1, MEMBER, SELF), heartbeat(MEMBER, SELF));

        assertEquals(Status.Code.FAILED_PRECONDITION, outcome.code(), outcome.toString());
        assertTrue(outcome.description().contains("cluster ID mismatch"), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aStreamFromAnUnknownMemberIsRefused() throws Exception {
        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER, STRANGER, SELF), heartbeat(STRANGER, SELF));

        assertEquals(Status.Code.PERMISSION_DENIED, outcome.code(), outcome.toString());
        assertTrue(outcome.description().contains("sender 9 not found"), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aStreamFromARemovedMemberIsRefusedAsRemoved() throws Exception {
        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER, REMOVED, SELF), heartbeat(REMOVED, SELF));

        assertEquals(Status.Code.PERMISSION_DENIED, outcome.code(), outcome.toString());
        assertTrue(outcome.description().contains("removed member 7"), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aStreamClaimingToBeThisMemberIsRefused() throws Exception {
        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER, SELF, SELF), heartbeat(SELF, SELF));

        assertEquals(Status.Code.PERMISSION_DENIED, outcome.code(), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aStreamWithoutIdentityHeadersIsRefused() throws Exception {
        RawPeer.Outcome outcome = stream(Map.of(), heartbeat(MEMBER, SELF));

        assertEquals(Status.Code.UNAUTHENTICATED, outcome.code(), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aMessageNotFromTheStreamsSenderClosesTheStreamAndNothingOfItsFrameArrives() throws Exception {
        byte[] frame = RawPeer.batch(List.of(Encoding.encode(heartbeat(MEMBER, SELF)),
                Encoding.encode(heartbeat(STRANGER, SELF))));

        RawPeer.Outcome outcome = peer.send(RawPeer.STREAM, RawPeer.identity(CLUSTER, MEMBER, SELF), List.of(frame),
                PATIENCE);

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aLocalMessageTypeFromAPeerClosesTheStream() throws Exception {
        Message hup = Message.builder(MessageType.HUP).from(MEMBER).to(SELF).build();

        RawPeer.Outcome outcome = stream(RawPeer.identity(CLUSTER, MEMBER, SELF), hup);

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertEquals(List.of(), inbound.messages());
    }

    @Test
    void aCallFromAnUnknownMemberIsRefusedBeforeItReachesTheMember() throws Exception {
        RawPeer.Outcome outcome = call(headers(RawPeer.identity(CLUSTER, STRANGER, SELF), "echo"), "echo");

        assertEquals(Status.Code.PERMISSION_DENIED, outcome.code(), outcome.toString());
        assertEquals(0, calls.get());
    }

    @Test
    void aCallFromAnotherClusterIsRefused() throws Exception {
        RawPeer.Outcome outcome = call(headers(RawPeer.identity(CLUSTER + 1, MEMBER, SELF), "echo"), "echo");

        assertEquals(Status.Code.FAILED_PRECONDITION, outcome.code(), outcome.toString());
        assertTrue(outcome.description().contains("cluster ID mismatch"), outcome.toString());
        assertEquals(0, calls.get());
    }

    @Test
    void aCallWithoutIdentityReachesOnlyMethodsOpenToAnyone() throws Exception {
        RawPeer.Outcome refused = call(Map.of("kvorum-method", "echo"), "echo");
        RawPeer.Outcome open = call(Map.of("kvorum-method", "open-echo"), "open-echo");

        assertEquals(Status.Code.UNAUTHENTICATED, refused.code(), refused.toString());
        assertEquals(Status.Code.OK, open.code(), open.toString());
        assertEquals("hello", new String(open.answer(), StandardCharsets.UTF_8));
        assertEquals(1, calls.get());
    }

    @Test
    void aCallOfAKnownMemberIsAnswered() throws Exception {
        RawPeer.Outcome outcome = call(headers(RawPeer.identity(CLUSTER, MEMBER, SELF), "echo"), "echo");

        assertEquals(Status.Code.OK, outcome.code(), outcome.toString());
        assertEquals("hello", new String(outcome.answer(), StandardCharsets.UTF_8));
    }

    @Test
    void aCallWhoseFrameNamesAnotherMethodThanItsHeaderIsRefused() throws Exception {
        RawPeer.Outcome outcome = call(Map.of("kvorum-method", "open-echo"), "echo");

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertEquals(0, calls.get());
    }

    @Test
    void aCallWithAnOversizedMethodNameLengthIsRefused() throws Exception {
        byte[] frame = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array();

        RawPeer.Outcome outcome = peer.send(RawPeer.CALL, headers(RawPeer.identity(CLUSTER, MEMBER, SELF), "echo"),
                List.of(frame), PATIENCE);

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertEquals(0, calls.get());
    }

    @Test
    void aSnapshotFromAnUnknownMemberIsRefusedUnread() throws Exception {
        RawPeer.Outcome outcome = peer.send(RawPeer.SNAPSHOT, RawPeer.identity(CLUSTER, STRANGER, SELF),
                List.of(Encoding.encode(snapshot(STRANGER, SELF)), new byte[1000]), PATIENCE);

        assertEquals(Status.Code.PERMISSION_DENIED, outcome.code(), outcome.toString());
        assertEquals(0, snapshots.get());
    }

    @Test
    void aSnapshotFromAnotherClusterIsRefusedUnread() throws Exception {
        RawPeer.Outcome outcome = peer.send(RawPeer.SNAPSHOT, RawPeer.identity(CLUSTER + 1, MEMBER, SELF),
                List.of(Encoding.encode(snapshot(MEMBER, SELF)), new byte[1000]), PATIENCE);

        assertEquals(Status.Code.FAILED_PRECONDITION, outcome.code(), outcome.toString());
        assertEquals(0, snapshots.get());
    }

    @Test
    void aSnapshotStreamThatOpensWithAnotherMessageIsRefused() throws Exception {
        RawPeer.Outcome outcome = peer.send(RawPeer.SNAPSHOT, RawPeer.identity(CLUSTER, MEMBER, SELF),
                List.of(Encoding.encode(heartbeat(MEMBER, SELF)), new byte[1000]), PATIENCE);

        assertEquals(Status.Code.INVALID_ARGUMENT, outcome.code(), outcome.toString());
        assertEquals(0, snapshots.get());
    }

    @Test
    void aSnapshotOfAKnownMemberIsRestored() throws Exception {
        RawPeer.Outcome outcome = peer.send(RawPeer.SNAPSHOT, RawPeer.identity(CLUSTER, MEMBER, SELF),
                List.of(Encoding.encode(snapshot(MEMBER, SELF)), new byte[1000]), PATIENCE);

        assertEquals(Status.Code.OK, outcome.code(), outcome.toString());
        assertEquals(1, snapshots.get());
    }

    @Test
    void aSnapshotChunkLargerThanAChunkFailsTheRestore() throws Exception {
        RawPeer.Outcome outcome = peer.send(RawPeer.SNAPSHOT, RawPeer.identity(CLUSTER, MEMBER, SELF),
                List.of(Encoding.encode(snapshot(MEMBER, SELF)), new byte[SnapshotUpload.CHUNK_BYTES + 1]), PATIENCE);

        assertEquals(Status.Code.INTERNAL, outcome.code(), outcome.toString());
        assertTrue(outcome.description().contains("snapshot chunk of"), outcome.toString());
    }

    private RawPeer.Outcome stream(Map<String, String> headers, Message message) throws InterruptedException {
        return peer.send(RawPeer.STREAM, headers, List.of(RawPeer.batch(List.of(Encoding.encode(message)))),
                PATIENCE);
    }

    private RawPeer.Outcome call(Map<String, String> headers, String method) throws InterruptedException {
        return peer.send(RawPeer.CALL, headers,
                List.of(RawPeer.callFrame(method, "hello".getBytes(StandardCharsets.UTF_8))), PATIENCE);
    }

    private static Map<String, String> headers(Map<String, String> identity, String method) {
        Map<String, String> headers = new HashMap<>(identity);
        headers.put("kvorum-method", method);
        return headers;
    }

    private static Message heartbeat(long from, long to) {
        return Message.builder(MessageType.HEARTBEAT).from(from).to(to).term(3).build();
    }

    private static Message snapshot(long from, long to) {
        return Message.builder(MessageType.SNAP).from(from).to(to).term(5)
                .snapshot(new Snapshot(100, 4, new ConfState(List.of(from, to), List.of()), new byte[0])).build();
    }
}
