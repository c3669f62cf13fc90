package io.kvorum.consensus.raft.transport.grpc;

import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import io.kvorum.consensus.raft.transport.Transport.Callers;
import io.kvorum.consensus.raft.transport.Transport.Inbound;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/** An {@link Inbound} that records what arrives, for tests to wait on and inspect. */
class RecordingInbound implements Inbound {
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final List<Message> messages = new ArrayList<>();
    private static final byte[] PROBE = "probe".getBytes(StandardCharsets.UTF_8);

    private final Set<Long> unreachable = ConcurrentHashMap.newKeySet();
    private final Set<Long> refusedAsRemovedBy = ConcurrentHashMap.newKeySet();
    private final Set<Long> probedBy = ConcurrentHashMap.newKeySet();

    @Override
    public synchronized void onMessage(Message message) {
        if (isProbe(message)) {
            probedBy.add(message.from());
        } else {
            messages.add(message);
        }
        notifyAll();
    }

    /** A heartbeat a test sends until a stream is open; recorded apart from the messages. */
    static Message probe(long from, long to) {
        return Message.builder(MessageType.HEARTBEAT).from(from).to(to).term(1).context(PROBE).build();
    }

    private static boolean isProbe(Message message) {
        return message.type() == MessageType.HEARTBEAT && Arrays.equals(message.context(), PROBE);
    }

    synchronized boolean probedBy(long peerId) {
        return probedBy.contains(peerId);
    }

    @Override
    public void onSnapshot(Message message, InputStream body) throws IOException {
        throw new IOException("no snapshots expected here");
    }

    /** Answers {@code echo} with the request, anything else with a failure naming the method. */
    @Override
    public CompletableFuture<byte[]> onCall(String method, byte[] request) {
        if (method.equals("echo") || method.equals("open-echo")) {
            return CompletableFuture.completedFuture(request);
        }
        return CompletableFuture.failedFuture(new IllegalArgumentException("unknown method " + method));
    }

    /** {@code echo} is for members only; {@code open-echo} (answered as {@code echo}) for anyone. */
    @Override
    public Callers callers(String method) {
        return method.equals("open-echo") ? Callers.ANYONE : Callers.MEMBERS;
    }

    @Override
    public synchronized void onUnreachable(long peerId) {
        unreachable.add(peerId);
        notifyAll();
    }

    @Override
    public synchronized void onRefusedAsRemoved(long peerId) {
        refusedAsRemovedBy.add(peerId);
        notifyAll();
    }

    boolean refusedAsRemovedBy(long peerId) {
        return refusedAsRemovedBy.contains(peerId);
    }

    synchronized List<Message> messages() {
        return List.copyOf(messages);
    }

    synchronized boolean wasUnreachable(long peerId) {
        return unreachable.contains(peerId);
    }

    synchronized void clearUnreachable() {
        unreachable.clear();
    }

    /** Waits until {@code condition} holds (checked whenever something arrives), or fails the test. */
    synchronized void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("gave up waiting for " + what);
            }
            wait(Math.max(1, Math.min(left / 1_000_000, 100)));
        }
    }
}
