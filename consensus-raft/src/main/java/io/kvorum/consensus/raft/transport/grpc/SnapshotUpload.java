package io.kvorum.consensus.raft.transport.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.Message;
import io.kvorum.consensus.raft.transport.Transport.SnapshotBody;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends one snapshot on a {@code Snapshot} call, run by a worker thread from start to end: the
 * message, then the body in chunks of {@value #CHUNK_BYTES} bytes as {@link SnapshotBody} writes
 * it. Each chunk waits until the call is ready, so the writer goes at the receiver's pace and at
 * most about one chunk is held here. The worker then waits for the receiver's answer and completes
 * {@link #result()} itself (gRPC's callbacks only record and wake).
 */
final class SnapshotUpload implements Runnable {
    static final int CHUNK_BYTES = 1 << 20;

    private final ManagedChannel channel;
    private final Metadata headers;
    private final Message message;
    private final SnapshotBody body;
    private final String peer;
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** How the call ended; null while it runs. Guarded by {@link #lock}. */
    private Status closedWith;
    /** Used by the worker only. */
    private ClientCall<byte[], byte[]> call;

    SnapshotUpload(ManagedChannel channel, Metadata headers, Message message, SnapshotBody body, String peer) {
        this.channel = channel;
        this.headers = headers;
        this.message = message;
        this.body = Objects.requireNonNull(body, "body");
        this.peer = peer;
    }

    CompletableFuture<Void> result() {
        return result;
    }

    @Override
    public void run() {
        call = channel.newCall(PeerWire.SNAPSHOT, CallOptions.DEFAULT.withExecutor(Runnable::run));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onReady() {
                signal(null);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                signal(status);
            }
        }, headers);
        call.request(1);
        try {
            call.sendMessage(Encoding.encode(message));
            try (ChunkWriter out = new ChunkWriter()) {
                body.writeTo(out);
            }
            call.halfClose();
            Status status = awaitClose();
            if (status.isOk()) {
                result.complete(null);
            } else {
                result.completeExceptionally(PeerCallException.of("snapshot to " + peer, status));
            }
        } catch (IOException | RuntimeException e) {
            call.cancel("snapshot not sent", e);
            result.completeExceptionally(e);
        }
    }

    private void signal(Status closed) {
        lock.lock();
        try {
            if (closed != null) {
                closedWith = closed;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void awaitReady() throws IOException {
        lock.lock();
        try {
            while (closedWith == null && !call.isReady()) {
                changed.await();
            }
            if (closedWith != null) {
                // The receiver gave up before the end (e.g. its restore failed, or it refused us).
                throw PeerCallException.of("snapshot to " + peer, closedWith);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending a snapshot to " + peer);
        } finally {
            lock.unlock();
        }
    }

    private Status awaitClose() throws InterruptedIOException {
        lock.lock();
        try {
            while (closedWith == null) {
                changed.await();
            }
            return closedWith;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + peer + " to restore a snapshot");
        } finally {
            lock.unlock();
        }
    }

    /** Cuts what the body writes into chunks and sends each when the call is ready for it. */
    private final class ChunkWriter extends OutputStream {
        /** The chunk being filled; null between a chunk sent and the next byte written. */
        private byte[] chunk;
        private int filled;

        @Override
        public void write(int b) throws IOException {
            if (chunk == null) {
                chunk = new byte[CHUNK_BYTES];
            }
            chunk[filled++] = (byte) b;
            if (filled == chunk.length) {
                sendChunk();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                if (chunk == null) {
                    chunk = new byte[CHUNK_BYTES];
                }
                int n = Math.min(len, chunk.length - filled);
                System.arraycopy(b, off, chunk, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == chunk.length) {
                    sendChunk();
                }
            }
        }

        /** Sends the rest; the body's own flushes do not cut chunks short. */
        @Override
        public void close() throws IOException {
            if (filled > 0) {
                sendChunk();
            }
        }

        private void sendChunk() throws IOException {
            awaitReady();
            // gRPC may hold the array until it is written out, so each chunk gets its own.
            call.sendMessage(filled == chunk.length ? chunk : Arrays.copyOf(chunk, filled));
            chunk = null;
            filled = 0;
        }
    }
}
