package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.core.MessageType;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound stream to one peer: a bounded queue that {@link #send} fills from any thread, and a
 * gRPC {@code Stream} call that the sender thread drains it into, as fast as the peer's flow
 * control allows. Everything but {@link #send} and {@link #currentUrl} runs on the sender thread,
 * which owns the call and the state; gRPC calls this stream's listener on that thread too.
 *
 * <p>When the stream fails the queue is dropped, the peer reported unreachable, and messages sent
 * meanwhile are dropped until the reconnect, which comes after a backoff growing from
 * {@value #MIN_BACKOFF_MILLIS} to {@value #MAX_BACKOFF_MILLIS} ms and trying the peer's URLs in turn.
 */
final class PeerStream {
    static final int QUEUE_CAPACITY = 4096;
    /** A batch is cut once it holds this many bytes. */
    static final int BATCH_BYTES = 1 << 20;
    static final long MIN_BACKOFF_MILLIS = 100;
    static final long MAX_BACKOFF_MILLIS = 2000;
    private static final System.Logger LOG = System.getLogger(PeerStream.class.getName());

    private enum State { IDLE, CONNECTING, OPEN, BACKING_OFF, CLOSED }

    /** What the stream needs of its transport. */
    interface Owner {
        ManagedChannel channel(URI url);

        Metadata headers(long peerId);

        void reportUnreachable(long peerId);

        /** Counts {@code bytes} sent to the peer. */
        default void sent(long peerId, int bytes) {
        }
        /** An append of {@code bytes} (encoded) is going out to the peer. */
        default void appendSent(long peerId, int bytes) {
        }

        /** {@code appends} appends went out on the peer's stream, {@code nanos} after their batch began. */
        default void appendsDelivered(long peerId, int appends, long nanos) {
        }

        /** An append to the peer was dropped before it was queued. */
        default void appendDropped(long peerId) {
        }

        /** The peer refused the stream because it removed this member. */
        void reportRemoved(long peerId);

        /** The stream to the peer opened. */
        default void connected(long peerId) {
        }

        /** The stream to the peer, open until now, ended. */
        default void disconnected(long peerId) {
        }
    }

    private final long peerId;
    private final Owner owner;
    private final ScheduledExecutorService sender;
    private final BlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** How many appends the last batch held (sender thread only). */
    private int batchAppends;
    /** Written by the sender thread, read by any. */
    private volatile List<URI> urls;
    private volatile int urlIndex;
    private volatile State state = State.IDLE;
    /** Sender thread only. */
    private ClientCall<byte[], byte[]> call;
    private long backoffMillis = MIN_BACKOFF_MILLIS;
    private String lastRefusal;

    PeerStream(long peerId, List<URI> urls, Owner owner, ScheduledExecutorService sender) {
        this.peerId = peerId;
        this.urls = List.copyOf(urls);
        this.owner = owner;
        this.sender = sender;
    }

    /**
     * Queues a message (any thread, never blocks); drops it and reports the peer when it cannot.
     *
     * @return whether it was queued
     */
    boolean send(Message message) {
        State now = state;
        if (now == State.BACKING_OFF || now == State.CLOSED || !queue.offer(message)) {
            if (message.type() == MessageType.APP) {
                owner.appendDropped(peerId);
            }
            owner.reportUnreachable(peerId);
            return false;
        }
        scheduleDrain();
        return true;
    }

    /** The URL this peer is reached at now. */
    URI currentUrl() {
        List<URI> current = urls;
        return current.get(Math.floorMod(urlIndex, current.size()));
    }

    List<URI> urls() {
        return urls;
    }

    /** New URLs for the peer (sender thread): a stream on an old one is reopened. */
    void updateUrls(List<URI> newUrls) {
        if (newUrls.equals(urls)) {
            return;
        }
        urls = List.copyOf(newUrls);
        urlIndex = 0;
        if (state == State.CLOSED) {
            return;
        }
        ClientCall<byte[], byte[]> old = call;
        call = null;
        if (state == State.OPEN) {
            owner.disconnected(peerId);
        }
        state = State.IDLE;
        backoffMillis = MIN_BACKOFF_MILLIS;
        if (old != null) {
            old.cancel("peer URLs changed", null);
        }
        scheduleDrain();
    }

    /** Ends the stream for good (sender thread): the peer was removed or the transport closes. */
    void close() {
        if (state == State.OPEN) {
            owner.disconnected(peerId);
        }
        state = State.CLOSED;
        queue.clear();
        ClientCall<byte[], byte[]> old = call;
        call = null;
        if (old != null) {
            old.cancel("peer stream closed", null);
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                sender.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The transport is closing: what is queued is dropped with it.
                drainScheduled.set(false);
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (queue.isEmpty() || state == State.BACKING_OFF || state == State.CLOSED) {
            return;
        }
        if (state == State.IDLE) {
            connect();
        }
        ClientCall<byte[], byte[]> open = call;
        while (open != null && open == call && open.isReady() && !queue.isEmpty()) {
            long started = System.nanoTime();
            open.sendMessage(nextBatch());
            if (batchAppends > 0) {
                owner.appendsDelivered(peerId, batchAppends, System.nanoTime() - started);
            }
        }
    }

    private byte[] nextBatch() {
        List<byte[]> encoded = new ArrayList<>();
        int bytes = 0;
        int appends = 0;
        Message message;
        while (bytes < BATCH_BYTES && (message = queue.poll()) != null) {
            byte[] e = Encoding.encode(message);
            if (message.type() == MessageType.APP) {
                appends++;
                owner.appendSent(peerId, e.length);
            }
            encoded.add(e);
            bytes += Integer.BYTES + e.length;
        }
        byte[] batch = PeerWire.batch(encoded);
        batchAppends = appends;
        owner.sent(peerId, batch.length);
        return batch;
    }

    private void connect() {
        URI url = currentUrl();
        ManagedChannel channel;
        try {
            channel = owner.channel(url);
        } catch (IllegalStateException closing) {
            close();
            return;
        }
        // The channel backs off on its own after failures, up to minutes; our backoff governs instead.
        channel.resetConnectBackoff();
        ClientCall<byte[], byte[]> opened = channel.newCall(PeerWire.STREAM, CallOptions.DEFAULT);
        call = opened;
        state = State.CONNECTING;
        opened.start(new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata headers) {
                if (call == opened && state == State.CONNECTING) {
                    state = State.OPEN;
                    owner.connected(peerId);
                    backoffMillis = MIN_BACKOFF_MILLIS;
                    lastRefusal = null;
                    LOG.log(Level.DEBUG, "stream to peer {0} at {1} open", Long.toHexString(peerId), url);
                }
            }

            @Override
            public void onReady() {
                if (call == opened) {
                    drain();
                }
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (call == opened) {
                    failed(url, status);
                }
            }
        }, owner.headers(peerId));
        opened.request(1);
    }

    private void failed(URI url, Status status) {
        call = null;
        if (state == State.CLOSED) {
            return;
        }
        boolean wasOpen = state == State.OPEN;
        state = State.BACKING_OFF;
        if (wasOpen) {
            owner.disconnected(peerId);
        }
        String peer = Long.toHexString(peerId);
        switch (status.getCode()) {
            case FAILED_PRECONDITION, INVALID_ARGUMENT, UNIMPLEMENTED, PERMISSION_DENIED -> {
                // Said once, not on every retry: the refusal lasts until someone fixes the configuration.
                String refusal = status.getCode() + " " + status.getDescription();
                LOG.log(refusal.equals(lastRefusal) ? Level.DEBUG : Level.WARNING,
                        "peer {0} at {1} refused the stream: {2}", peer, url, status.getDescription());
                lastRefusal = refusal;
                if (status.getCode() == Status.Code.PERMISSION_DENIED && status.getDescription() != null
                        && status.getDescription().startsWith(PeerAdmission.REMOVED_MEMBER)) {
                    owner.reportRemoved(peerId);
                }
            }
            default -> LOG.log(wasOpen ? Level.INFO : Level.DEBUG, "stream to peer {0} at {1} {2}: {3} {4}",
                    peer, url, wasOpen ? "broke" : "did not open", status.getCode(), status.getDescription());
        }
        urlIndex = urlIndex + 1;
        queue.clear();
        owner.reportUnreachable(peerId);
        long delay = backoffMillis;
        backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        try {
            sender.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            state = State.CLOSED;
        }
    }

    private void reconnect() {
        if (state != State.BACKING_OFF) {
            return;
        }
        state = State.IDLE;
        // Eagerly, so that a peer back from a restart finds its stream ready.
        connect();
        drain();
    }
}
