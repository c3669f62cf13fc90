package io.kvorum.consensus.raft.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.consensus.raft.core.ConfState;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.core.Snapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcTransportTest {
    private static final long CLUSTER = 0x7a11;
    private static final long PATIENCE_SECONDS = RecordingInbound.PATIENCE.toSeconds();

    private final List<GrpcTransport> opened = new ArrayList<>();

    /** Every transport's metrics: series differ by their peer labels. */
    private final RecordingRegistry metrics = new RecordingRegistry();

    @AfterEach
    void closeAll() {
        opened.forEach(GrpcTransport::close);
    }

    @Test
    void threeMembersExchangeMessagesInTheOrderSent() throws Exception {
        int perPeer = 1000;
        long[] ids = {1, 2, 3};
        RecordingInbound[] inbound = new RecordingInbound[3];
        GrpcTransport[] transport = new GrpcTransport[3];
        for (int i = 0; i < 3; i++) {
            inbound[i] = new RecordingInbound();
            transport[i] = started(inbound[i]);
            transport[i].identify(ids[i], CLUSTER);
        }
        for (int i = 0; i < 3; i++) {
            transport[i].updatePeers(peersOf(transport, ids, i));
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    connect(transport[i], ids[i], ids[j], inbound[j]);
                }
            }
        }
        for (RecordingInbound in : inbound) {
            in.clearUnreachable(); // refusals before every member knew the others
        }

        for (int n = 1; n <= perPeer; n++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    if (i != j) {
                        transport[i].send(append(ids[i], ids[j], n));
                    }
                }
            }
        }

        for (int j = 0; j < 3; j++) {
            RecordingInbound receiver = inbound[j];
            receiver.await("all messages at member " + ids[j], () -> receiver.messages().size() == 2 * perPeer);
            for (int i = 0; i < 3; i++) {
                if (i == j) {
                    continue;
                }
                long from = ids[i];
                List<Message> fromI = receiver.messages().stream().filter(m -> m.from() == from).toList();
                assertEquals(perPeer, fromI.size(), "messages from " + from + " at " + ids[j]);
                for (int n = 0; n < perPeer; n++) {
                    assertEquals(append(from, ids[j], n + 1), fromI.get(n), "message " + (n + 1) + " from " + from);
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (long id : ids) {
                assertFalse(inbound[i].wasUnreachable(id), "member " + ids[i] + " reported " + id + " unreachable");
            }
        }
    }

    @Test
    void aStreamFromAnotherClusterIsRefusedAndItsPeerReportedUnreachable() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        RecordingInbound receiverInbound = new RecordingInbound();
        GrpcTransport sender = started(senderInbound);
        GrpcTransport receiver = started(receiverInbound);
        sender.identify(1, CLUSTER);
        receiver.identify(2, CLUSTER + 1);
        sender.updatePeers(Map.of(2L, receiver.boundPeerUrls()));

        sender.send(append(1, 2, 1));

        senderInbound.await("peer 2 reported unreachable", () -> senderInbound.wasUnreachable(2));
        // The receiver is up and answers calls open to anyone: the stream was refused, not lost.
        byte[] answer = sender.call(2, "open-echo", bytes("up")).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals("up", new String(answer, StandardCharsets.UTF_8));
        assertEquals(List.of(), receiverInbound.messages());
    }

    @Test
    void aRemovedMembersStreamIsRefusedAndItIsToldSo() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        RecordingInbound receiverInbound = new RecordingInbound();
        GrpcTransport sender = started(senderInbound);
        GrpcTransport receiver = started(receiverInbound);
        sender.identify(1, CLUSTER);
        receiver.identify(2, CLUSTER);
        receiver.updatePeers(Map.of());
        receiver.updateRemoved(Set.of(1L));
        sender.updatePeers(Map.of(2L, receiver.boundPeerUrls()));

        sender.send(append(1, 2, 1));

        senderInbound.await("peer 2 refused it as a removed member", () -> senderInbound.refusedAsRemovedBy(2));
        assertEquals(List.of(), receiverInbound.messages());
    }

    @Test
    void aStreamFromAnUnknownMemberIsNotTakenForARemovedOne() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        GrpcTransport sender = started(senderInbound);
        GrpcTransport receiver = started(new RecordingInbound());
        sender.identify(1, CLUSTER);
        receiver.identify(2, CLUSTER);
        sender.updatePeers(Map.of(2L, receiver.boundPeerUrls()));

        sender.send(append(1, 2, 1));

        senderInbound.await("peer 2 reported unreachable", () -> senderInbound.wasUnreachable(2));
        assertFalse(senderInbound.refusedAsRemovedBy(2));
    }

    @Test
    void aStreamAddressedToAnotherMemberIsRefused() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        RecordingInbound receiverInbound = new RecordingInbound();
        GrpcTransport sender = started(senderInbound);
        GrpcTransport receiver = started(receiverInbound);
        sender.identify(1, CLUSTER);
        receiver.identify(3, CLUSTER);
        sender.updatePeers(Map.of(2L, receiver.boundPeerUrls()));

        sender.send(append(1, 2, 1));

        senderInbound.await("peer 2 reported unreachable", () -> senderInbound.wasUnreachable(2));
        assertEquals(List.of(), receiverInbound.messages());
    }

    @Test
    void aSnapshotOfSeveralMebibytesArrivesIntactInChunks() throws Exception {
        byte[] body = new byte[5 * SnapshotUpload.CHUNK_BYTES + 12345];
        new Random(42).nextBytes(body);
        AtomicInteger largestRead = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        CompletableFuture<Message> restoredMessage = new CompletableFuture<>();
        ByteArrayOutputStream restored = new ByteArrayOutputStream();
        RecordingInbound receiverInbound = new RecordingInbound() {
            @Override
            public void onSnapshot(Message message, InputStream in) throws IOException {
                assertTrue(Thread.currentThread().getName().startsWith(GrpcTransport.THREAD_NAME_PREFIX));
                byte[] buffer = new byte[4 * SnapshotUpload.CHUNK_BYTES];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    restored.write(buffer, 0, n);
                    reads.incrementAndGet();
                    largestRead.accumulateAndGet(n, Math::max);
                }
                restoredMessage.complete(message);
            }
        };
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), receiverInbound);
        Message snap = snapshotMessage(1, 2);

        CompletableFuture<Void> sent = pair[0].sendSnapshot(snap, out -> {
            // Writes of uneven sizes: the transport cuts its own chunks.
            out.write(body, 0, 1000);
            out.write(body[1000]);
            out.write(body, 1001, 3 * SnapshotUpload.CHUNK_BYTES);
            out.write(body, 1001 + 3 * SnapshotUpload.CHUNK_BYTES, body.length - 1001 - 3 * SnapshotUpload.CHUNK_BYTES);
        });

        sent.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals(snap, restoredMessage.getNow(null));
        assertArrayEquals(body, restored.toByteArray());
        assertTrue(largestRead.get() <= SnapshotUpload.CHUNK_BYTES, "largest read " + largestRead.get());
        assertTrue(reads.get() >= 6, reads.get() + " reads");
        // recorded as the send's result completes, maybe just after the caller sees it
        receiverInbound.await("the send to count", () -> metrics.value("etcd_network_snapshot_send_success", "2") == 1);
        assertEquals(1, metrics.value("etcd_network_snapshot_send_total_duration_seconds", "2"));
        assertEquals(0, metrics.value("etcd_network_snapshot_send_inflights_total", "2"));
        assertEquals(0, metrics.value("etcd_network_snapshot_send_failures", "2"));
        assertEquals(1, metrics.value("etcd_network_snapshot_receive_success", "1"));
        assertEquals(1, metrics.value("etcd_network_snapshot_receive_total_duration_seconds", "1"));
        assertEquals(0, metrics.value("etcd_network_snapshot_receive_inflights_total", "1"));
    }

    @Test
    void aSnapshotFailsWhenTheReceiverCannotRestoreIt() throws Exception {
        RecordingInbound receiverInbound = new RecordingInbound() {
            @Override
            public void onSnapshot(Message message, InputStream in) throws IOException {
                in.readNBytes(1000);
                throw new IOException("disk full");
            }
        };
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), receiverInbound);
        byte[] body = new byte[3 * SnapshotUpload.CHUNK_BYTES];

        CompletableFuture<Void> sent = pair[0].sendSnapshot(snapshotMessage(1, 2), out -> out.write(body));

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> sent.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        PeerCallException cause = assertInstanceOf(PeerCallException.class, failure.getCause());
        assertTrue(cause.getMessage().contains("disk full"), cause.getMessage());
        assertFalse(cause.unreachable());
        receiverInbound.await("the failure to count", () -> metrics.value("etcd_network_snapshot_send_failures", "2") == 1);
        assertEquals(0, metrics.value("etcd_network_snapshot_send_success", "2"));
        assertEquals(0, metrics.value("etcd_network_snapshot_send_inflights_total", "2"));
        assertEquals(1, metrics.value("etcd_network_snapshot_receive_failures", "1"));
        assertEquals(0, metrics.value("etcd_network_snapshot_receive_inflights_total", "1"));
    }

    @Test
    void aSnapshotFailsWhenItsBodyCannotBeWritten() throws Exception {
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), new RecordingInbound() {
            @Override
            public void onSnapshot(Message message, InputStream in) throws IOException {
                in.readAllBytes();
            }
        });

        CompletableFuture<Void> sent = pair[0].sendSnapshot(snapshotMessage(1, 2), out -> {
            out.write(new byte[SnapshotUpload.CHUNK_BYTES + 1]);
            throw new IOException("backend snapshot broken");
        });

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> sent.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        assertEquals("backend snapshot broken", failure.getCause().getMessage());
    }

    @Test
    void aSnapshotWriterWaitsForASlowReceiver() throws Exception {
        long total = 64L * SnapshotUpload.CHUNK_BYTES;
        AtomicLong written = new AtomicLong();
        AtomicLong writtenBeforeReading = new AtomicLong(-1);
        AtomicLong read = new AtomicLong();
        RecordingInbound receiverInbound = new RecordingInbound() {
            @Override
            public void onSnapshot(Message message, InputStream in) throws IOException {
                try {
                    Thread.sleep(500); // a slow restore: the writer must not run ahead meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                writtenBeforeReading.set(written.get());
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    read.addAndGet(n);
                }
            }
        };
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), receiverInbound);

        CompletableFuture<Void> sent = pair[0].sendSnapshot(snapshotMessage(1, 2), out -> {
            byte[] piece = new byte[64 * 1024];
            for (long w = 0; w < total; w += piece.length) {
                out.write(piece);
                written.addAndGet(piece.length);
            }
        });

        sent.get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals(total, read.get());
        assertTrue(writtenBeforeReading.get() <= total / 4,
                "the writer ran " + writtenBeforeReading.get() + " bytes ahead of a receiver that read nothing");
    }

    @Test
    void callsOpenToAnyoneWorkBeforeIdentifyAndCallsTryAPeersUrlsInTurn() throws Exception {
        RecordingInbound callerInbound = new RecordingInbound();
        GrpcTransport caller = started(callerInbound);
        GrpcTransport callee = started(new RecordingInbound());

        byte[] answer = caller.call(callee.boundPeerUrls().get(0), "open-echo", bytes("hello"))
                .get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals("hello", new String(answer, StandardCharsets.UTF_8));

        caller.identify(1, CLUSTER);
        callee.identify(2, CLUSTER);
        callee.updatePeers(Map.of(1L, caller.boundPeerUrls()));
        caller.updatePeers(Map.of(2L, List.of(deadUrl(), callee.boundPeerUrls().get(0))));
        byte[] viaSecondUrl = caller.call(2, "echo", bytes("again")).get(PATIENCE_SECONDS, TimeUnit.SECONDS);
        assertEquals("again", new String(viaSecondUrl, StandardCharsets.UTF_8));

        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> caller.call(2, "nonsense", bytes("")).get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        PeerCallException cause = assertInstanceOf(PeerCallException.class, failed.getCause());
        assertTrue(cause.getMessage().contains("unknown method nonsense"), cause.getMessage());
        assertFalse(cause.unreachable());

        ExecutionException unreachable = assertThrows(ExecutionException.class,
                () -> caller.call(deadUrl(), "echo", bytes("")).get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        assertTrue(assertInstanceOf(PeerCallException.class, unreachable.getCause()).unreachable());
    }

    @Test
    void aStoppedPeerIsReportedUnreachableAndGetsMessagesAgainOnceRestarted() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        RecordingInbound firstInbound = new RecordingInbound();
        GrpcTransport sender = started(senderInbound);
        GrpcTransport first = started(firstInbound);
        sender.identify(1, CLUSTER);
        first.identify(2, CLUSTER);
        first.updatePeers(Map.of(1L, sender.boundPeerUrls()));
        URI url = first.boundPeerUrls().get(0);
        sender.updatePeers(Map.of(2L, List.of(url)));
        sender.send(append(1, 2, 1));
        firstInbound.await("the first message", () -> firstInbound.messages().size() == 1);
        firstInbound.await("the stream to be active",
                () -> metrics.value("etcd_network_active_peers", "1", "2") == 1);
        assertEquals(0, metrics.value("etcd_network_disconnected_peers_total", "1", "2"));

        first.close();
        AtomicLong index = new AtomicLong(1);
        sendUntil(sender, senderInbound, index, () -> senderInbound.wasUnreachable(2));
        senderInbound.await("the broken stream to count",
                () -> metrics.value("etcd_network_disconnected_peers_total", "1", "2") == 1);
        assertEquals(0, metrics.value("etcd_network_active_peers", "1", "2"));

        RecordingInbound restartedInbound = new RecordingInbound();
        GrpcTransport restarted = open(List.of(url));
        restarted.start(restartedInbound);
        restarted.identify(2, CLUSTER);
        restarted.updatePeers(Map.of(1L, sender.boundPeerUrls()));
        sendUntil(sender, restartedInbound, index, () -> !restartedInbound.messages().isEmpty());
        List<Message> received = restartedInbound.messages();
        for (int i = 1; i < received.size(); i++) {
            assertTrue(received.get(i - 1).index() < received.get(i).index(), "out of order: " + received);
        }
    }

    @Test
    void aPeerThatMovesToANewUrlGetsMessagesThere() throws Exception {
        RecordingInbound oldInbound = new RecordingInbound();
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), oldInbound);
        pair[0].send(append(1, 2, 1));
        oldInbound.await("the first message at the old URL", () -> oldInbound.messages().size() == 1);
        RecordingInbound newInbound = new RecordingInbound();
        GrpcTransport moved = started(newInbound);
        moved.identify(2, CLUSTER);
        moved.updatePeers(Map.of(1L, pair[0].boundPeerUrls()));

        pair[0].updatePeers(Map.of(2L, moved.boundPeerUrls()));
        AtomicLong index = new AtomicLong(1);
        sendUntil(pair[0], newInbound, index, () -> !newInbound.messages().isEmpty());

        List<Message> atOld = oldInbound.messages();
        List<Message> atNew = newInbound.messages();
        assertTrue(atOld.get(atOld.size() - 1).index() < atNew.get(0).index(),
                "the old URL got a message sent after the one the new URL got first");
    }

    @Test
    void aFullQueueDropsWithoutBlockingTheSender() throws Exception {
        // A peer that accepts connections and never speaks: its stream never becomes ready.
        try (SilentPeer silent = new SilentPeer()) {
            RecordingInbound senderInbound = new RecordingInbound();
            GrpcTransport sender = started(senderInbound);
            sender.identify(1, CLUSTER);
            sender.updatePeers(Map.of(2L, List.of(silent.url())));

            for (int n = 1; n <= 2 * PeerStream.QUEUE_CAPACITY; n++) {
                sender.send(append(1, 2, n));
            }

            senderInbound.await("peer 2 reported unreachable", () -> senderInbound.wasUnreachable(2));
        }
    }

    @Test
    void messagesToUnknownOrRemovedPeersAreDroppedAndReported() throws Exception {
        RecordingInbound senderInbound = new RecordingInbound();
        GrpcTransport[] pair = identifiedPair(senderInbound, new RecordingInbound());

        pair[0].send(append(1, 9, 1));
        senderInbound.await("unknown peer 9 reported", () -> senderInbound.wasUnreachable(9));

        pair[0].updatePeers(Map.of());
        pair[0].send(append(1, 2, 1));
        senderInbound.await("removed peer 2 reported", () -> senderInbound.wasUnreachable(2));
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> pair[0].call(2, "echo", bytes("")).get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        assertInstanceOf(PeerCallException.class, failed.getCause());
    }

    @Test
    void closeReleasesPortsAndThreadsAndMayBeRepeated() throws Exception {
        RecordingInbound receiverInbound = new RecordingInbound();
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), receiverInbound);
        pair[0].send(append(1, 2, 1));
        receiverInbound.await("a message", () -> receiverInbound.messages().size() == 1);
        List<URI> urls = List.of(pair[0].boundPeerUrls().get(0), pair[1].boundPeerUrls().get(0));

        closeAll();
        closeAll();
        opened.clear();

        for (URI url : urls) {
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress(url.getHost(), url.getPort()));
            }
        }
        receiverInbound.await("transport threads gone", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith(GrpcTransport.THREAD_NAME_PREFIX)));
        pair[0].send(append(1, 2, 2));
        assertThrows(IllegalStateException.class, () -> pair[0].start(new RecordingInbound()));
    }

    @Test
    void everyListenUrlIsServedAndReportedWithItsBoundPort() throws Exception {
        GrpcTransport listener = open(List.of(URI.create("http://127.0.0.1:0"), URI.create("http://127.0.0.1:0")));
        listener.start(new RecordingInbound());
        GrpcTransport caller = started(new RecordingInbound());

        List<URI> bound = listener.boundPeerUrls();

        assertEquals(2, bound.size());
        assertTrue(bound.get(0).getPort() > 0 && bound.get(1).getPort() > 0, bound.toString());
        assertTrue(bound.get(0).getPort() != bound.get(1).getPort(), bound.toString());
        for (URI url : bound) {
            assertEquals("http", url.getScheme());
            assertEquals("127.0.0.1", url.getHost());
            byte[] answer = caller.call(url, "open-echo", bytes(url.toString()))
                    .get(PATIENCE_SECONDS, TimeUnit.SECONDS);
            assertEquals(url.toString(), new String(answer, StandardCharsets.UTF_8));
        }
    }

    @Test
    void aSnapshotToAnotherClusterIsRefused() throws Exception {
        GrpcTransport sender = started(new RecordingInbound());
        GrpcTransport receiver = started(new RecordingInbound() {
            @Override
            public void onSnapshot(Message message, InputStream in) {
                throw new AssertionError("a snapshot from another cluster was restored");
            }
        });
        sender.identify(1, CLUSTER);
        receiver.identify(2, CLUSTER + 1);
        sender.updatePeers(Map.of(2L, receiver.boundPeerUrls()));

        CompletableFuture<Void> sent = sender.sendSnapshot(snapshotMessage(1, 2),
                out -> out.write(new byte[2 * SnapshotUpload.CHUNK_BYTES]));

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> sent.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
        PeerCallException cause = assertInstanceOf(PeerCallException.class, failure.getCause());
        assertTrue(cause.getMessage().contains("cluster ID mismatch"), cause.getMessage());
    }

    @Test
    void aTransportMayBeClosedFromItsOwnInboundCallback() throws Exception {
        AtomicReference<GrpcTransport> receiver = new AtomicReference<>();
        CountDownLatch closedInCallback = new CountDownLatch(1);
        RecordingInbound closing = new RecordingInbound() {
            @Override
            public void onMessage(Message message) {
                super.onMessage(message);
                if (messages().isEmpty()) {
                    return; // a probe while the pair connects
                }
                receiver.get().close();
                closedInCallback.countDown();
            }
        };
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), closing);
        receiver.set(pair[1]);
        URI url = pair[1].boundPeerUrls().get(0);

        pair[0].send(append(1, 2, 1));

        assertTrue(closedInCallback.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "close() returned in the callback");
        closing.await("the port released", () -> {
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress(url.getHost(), url.getPort()));
                return true;
            } catch (IOException stillBound) {
                return false;
            }
        });
    }

    @Test
    void callsWhoseHandlersBlockWaitForABoundedNumberOfWorkersAndAreAllAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        GrpcTransport[] pair = identifiedPair(new RecordingInbound(), new RecordingInbound() {
            @Override
            public CompletableFuture<byte[]> onCall(String method, byte[] request) {
                entered.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.onCall(method, request);
            }
        });
        int calls = 64;
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            answers.add(pair[0].call(2, "echo", bytes("call " + i)));
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while (entered.get() < GrpcTransport.CALL_WORKERS && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
        Thread.sleep(500); // time for more handlers to start, were there threads for them
        long workerThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(GrpcTransport.THREAD_NAME_PREFIX + "-worker"))
                .count();
        assertEquals(GrpcTransport.CALL_WORKERS, entered.get());
        assertTrue(workerThreads <= 2L * GrpcTransport.CALL_WORKERS, workerThreads + " worker threads");

        release.countDown();
        for (int i = 0; i < calls; i++) {
            assertEquals("call " + i, new String(answers.get(i).get(PATIENCE_SECONDS, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8));
        }
    }

    @Test
    void onlyHttpPeerUrlsAreAccepted() {
        assertThrows(IllegalArgumentException.class, () -> new GrpcTransport(List.of(URI.create("https://127.0.0.1:0"))));
        assertThrows(IllegalArgumentException.class, () -> new GrpcTransport(List.of(URI.create("http://127.0.0.1"))));
        assertThrows(IllegalArgumentException.class, () -> new GrpcTransport(List.of()));
    }

    private GrpcTransport started(RecordingInbound inbound) throws IOException {
        GrpcTransport transport = open(List.of(URI.create("http://127.0.0.1:0")));
        transport.start(inbound);
        return transport;
    }

    private GrpcTransport open(List<URI> urls) {
        GrpcTransport transport = new GrpcTransport(urls, Optional.empty(), metrics);
        opened.add(transport);
        return transport;
    }

    /** Members 1 and 2 of one cluster, each knowing the other. */
    private GrpcTransport[] identifiedPair(RecordingInbound one, RecordingInbound two)
            throws IOException, InterruptedException {
        GrpcTransport first = started(one);
        GrpcTransport second = started(two);
        first.identify(1, CLUSTER);
        second.identify(2, CLUSTER);
        first.updatePeers(Map.of(2L, second.boundPeerUrls()));
        second.updatePeers(Map.of(1L, first.boundPeerUrls()));
        connect(first, 1, 2, two);
        connect(second, 2, 1, one);
        one.clearUnreachable();
        two.clearUnreachable();
        return new GrpcTransport[] {first, second};
    }

    /**
     * Probes from {@code fromId} to {@code toId} until one arrives: a stream opened before the
     * receiver knew the sender was refused, and messages sent while it backs off are dropped.
     */
    private static void connect(GrpcTransport from, long fromId, long toId, RecordingInbound atReceiver)
            throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread pacer = new Thread(() -> {
            try {
                do {
                    from.send(RecordingInbound.probe(fromId, toId));
                } while (!stop.await(20, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-prober");
        pacer.start();
        try {
            atReceiver.await("a probe from " + fromId + " at " + toId, () -> atReceiver.probedBy(fromId));
        } finally {
            stop.countDown();
            pacer.join();
        }
    }

    /** Sends numbered messages to peer 2, one every few milliseconds, until {@code done}. */
    private static void sendUntil(GrpcTransport sender, RecordingInbound watched, AtomicLong index, BooleanSupplier done)
            throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread pacer = new Thread(() -> {
            try {
                while (!stop.await(20, TimeUnit.MILLISECONDS)) {
                    sender.send(append(1, 2, index.incrementAndGet()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-pacer");
        pacer.start();
        try {
            watched.await("the condition while sending", done);
        } finally {
            stop.countDown();
            pacer.join();
        }
    }

    private static Map<Long, List<URI>> peersOf(GrpcTransport[] transport, long[] ids, int self) {
        Map<Long, List<URI>> peers = new HashMap<>();
        for (int i = 0; i < transport.length; i++) {
            if (i != self) {
                peers.put(ids[i], transport[i].boundPeerUrls());
            }
        }
        return peers;
    }

    private static Message append(long from, long to, long index) {
        return Message.builder(MessageType.APP).from(from).to(to).term(3).logTerm(3).index(index - 1).commit(index - 1)
                .entries(List.of(new LogEntry(3, index, EntryType.NORMAL, bytes("entry " + index))))
                .build();
    }

    private static Message snapshotMessage(long from, long to) {
        return Message.builder(MessageType.SNAP).from(from).to(to).term(5)
                .snapshot(new Snapshot(100, 4, new ConfState(List.of(1L, 2L), List.of()), new byte[0]))
                .build();
    }

    private static URI url(ServerSocket socket) {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    /** A loopback URL nothing listens on (its port was free a moment ago). */
    private static URI deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return url(socket);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
