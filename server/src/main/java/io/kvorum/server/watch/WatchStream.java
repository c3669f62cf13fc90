package io.kvorum.server.watch;

import com.google.protobuf.ByteString;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One client watch stream: it hands the client's requests to the hub, and sends the responses the
 * hub queues for it. The hub's thread owns the stream's watchers and watch ids (which are in use,
 * which comes next); the stream owns only its outbound queue and whether it is closed.
 *
 * <p>The queue is bounded: when it is full, the hub stops feeding the stream's watchers live events
 * and lets them catch up from history once the client reads again, so a client that does not read
 * costs at most the queue's bound. Created, canceled and progress answers are never refused (the
 * client asked for them, one each).
 */
public final class WatchStream {
    /** At most this many responses wait for a slow reader before its watchers fall behind. */
    static final int MAX_QUEUED = 1024;
    /** … or this many bytes, whichever comes first. */
    static final long MAX_QUEUED_BYTES = 4L << 20;
    /**
     * Bytes handed to the transport since it last said it was ready. The transport reports ready
     * only once it has written every response handed to it, so waiting for that after each response
     * would cost a round trip between threads per response; up to this many go out unconfirmed.
     */
    static final long MAX_UNCONFIRMED_BYTES = 256L << 10;

    /** Where responses go: a gRPC stream, or a watcher inside the server. */
    public interface Sink {
        /**
         * Whether the transport has taken everything sent to it so far. While it has not, the
         * stream sends at most {@code MAX_UNCONFIRMED_BYTES} more, then waits for {@link WatchStream#onReady}.
         */
        boolean isReady();

        /** Sends one response; never called concurrently. */
        void send(WatchResponse response);
    }

    private final WatchHub hub;
    private final Sink sink;
    private final Executor sender;

    private volatile boolean closed;

    // The outbound queue, guarded by `queue`.
    private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean sending;
    /** Bytes sent since the transport last said it was ready. */
    private long unconfirmedBytes;
    /** Whether a later look at the transport is already scheduled. */
    private boolean retryScheduled;
    /** Runs once, after the last send, when the stream is closed. */
    private Runnable finish;
    /** Set by the hub when a watcher of this stream waits for room to catch up. */
    private volatile boolean roomWanted;

    WatchStream(WatchHub hub, Sink sink, Executor sender) {
        this.hub = hub;
        this.sink = sink;
        this.sender = sender;
    }

    // ---- the client's requests, in the order they arrive ----

    /** Creates a watcher as etcd's watch server does; every create gets exactly one created answer. */
    public void create(WatchCreateRequest r) {
        byte[] key = r.getKey().isEmpty() ? new byte[] {0} : r.getKey().toByteArray();
        ByteString rangeEnd = r.getRangeEnd();
        byte[] end;
        if (rangeEnd.isEmpty()) {
            end = null;
        } else if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
            end = new byte[0];
        } else {
            end = rangeEnd.toByteArray();
        }
        if (r.getStartRevision() < 0) {
            hub.reject(this, WatchHub.COMPACTED_REASON);
            return;
        }
        if (end != null && end.length > 0 && Arrays.compareUnsigned(key, end) >= 0) {
            hub.reject(this, "mvcc: watcher range is empty");
            return;
        }
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : r.getFiltersList()) {
            noPut |= f == WatchCreateRequest.FilterType.NOPUT;
            noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
        }
        hub.add(r.getWatchId(), new Watcher(this, key, end, r.getStartRevision(), r.getPrevKv(), r.getProgressNotify(),
                r.getFragment(), noPut, noDelete));
    }

    /** Answers a create that may not be made (etcd: not permitted) with a created-and-canceled response. */
    public void reject(String reason) {
        hub.reject(this, reason);
    }

    /** Cancels a watcher of this stream; an id not in use gets no answer, as in etcd. */
    public void cancel(long id) {
        hub.cancel(this, id);
    }

    /** Asks for a progress notification for the whole stream. */
    public void requestProgress() {
        hub.requestProgress(this);
    }

    /** The client went away: its watchers go, nothing more is sent. */
    public void close() {
        close(null);
    }

    /**
     * The client is done: its watchers go, nothing more is sent, and then {@code finish} runs,
     * after any send in progress (to end the call; the transport takes one caller at a time).
     */
    public void close(Runnable finish) {
        synchronized (queue) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            queuedBytes = 0;
            this.finish = finish;
            startSending();
        }
        hub.closeStream(this);
    }

    /** The transport can take more: send what waits. */
    public void onReady() {
        synchronized (queue) {
            retryScheduled = false;
            startSending();
        }
    }

    // ---- the hub's side ----

    /**
     * Queues responses for sending, all or none.
     *
     * @param force queue them even if the stream is full (answers the client asked for)
     * @return false when the stream is full and nothing was queued
     */
    boolean offer(List<WatchResponse> responses, boolean force) {
        synchronized (queue) {
            if (isClosed()) {
                return true;
            }
            if (!force && !queue.isEmpty()
                    && (queue.size() + responses.size() > MAX_QUEUED || queuedBytes >= MAX_QUEUED_BYTES)) {
                return false;
            }
            for (WatchResponse r : responses) {
                queue.add(r);
                queuedBytes += r.getSerializedSize();
            }
            startSending();
            return true;
        }
    }

    /** Whether a watcher catching up may add to the queue now: it is at most half full. */
    boolean hasRoom() {
        synchronized (queue) {
            boolean room = queue.size() < MAX_QUEUED / 2 && queuedBytes < MAX_QUEUED_BYTES / 2;
            roomWanted = !room;
            return room;
        }
    }

    boolean isClosed() {
        return closed;
    }

    long queuedBytes() {
        synchronized (queue) {
            return queuedBytes;
        }
    }

    private void startSending() {
        if (!sending && (!queue.isEmpty() || finish != null)) {
            sending = true;
            try {
                sender.execute(this::send);
            } catch (RejectedExecutionException e) {
                // the server is stopping; the stream's close removes its watchers
                sending = false;
            }
        }
    }

    /** Sends while the transport takes it; one run at a time, so responses keep their order. */
    private void send() {
        while (true) {
            WatchResponse next;
            boolean wake = false;
            Runnable last = null;
            synchronized (queue) {
                if (finish != null) {
                    last = finish;
                    finish = null;
                }
            }
            if (last != null) {
                try {
                    last.run();
                } finally {
                    synchronized (queue) {
                        sending = false;
                    }
                }
                return;
            }
            synchronized (queue) {
                // isReady is asked under the lock onReady takes, so a readiness change is never missed
                if (queue.isEmpty()) {
                    sending = false;
                    return;
                }
                if (sink.isReady()) {
                    unconfirmedBytes = 0;
                } else if (unconfirmedBytes >= MAX_UNCONFIRMED_BYTES) {
                    sending = false;
                    // the transport says when it is ready again; look again later too, in case
                    // that signal is lost
                    if (!retryScheduled) {
                        retryScheduled = true;
                        hub.retryLater(this);
                    }
                    return;
                }
                next = queue.poll();
                int size = next.getSerializedSize();
                queuedBytes -= size;
                unconfirmedBytes += size;
                if (roomWanted && queue.size() < MAX_QUEUED / 2 && queuedBytes < MAX_QUEUED_BYTES / 2) {
                    roomWanted = false;
                    wake = true;
                }
            }
            if (wake) {
                hub.roomAvailable(this);
            }
            try {
                sink.send(next);
            } catch (RuntimeException e) {
                // the transport is gone; its close will remove the watchers
                WatchHub.LOG.debug("watch response not sent", e);
            }
        }
    }
}
