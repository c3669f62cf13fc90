package io.kvorum.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.kvorum.api.etcdserverpb.SnapshotResponse;
import io.kvorum.server.snapshot.EtcdSnapshot;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Sends a snapshot file as etcd's {@code Maintenance.Snapshot} does: 32 KiB blobs, each with the
 * bytes still to come after it, then one message whose blob is the SHA-256 of all the data.
 *
 * <p>Threads: {@link #send} runs on a thread of its own and blocks while the transport is not
 * ready for more, so at most one chunk is buffered here and gRPC's own window beyond it: memory
 * stays bounded however large the file and however slow the client. The transport's callbacks
 * ({@code onReady}, {@code onCancel}) only wake it, under {@code this}.
 */
final class SnapshotSender extends OutputStream {
    static final int CHUNK_SIZE = 32 * 1024;

    private final ServerCallStreamObserver<SnapshotResponse> out;
    private final MessageDigest sha256;
    private final byte[] chunk = new byte[CHUNK_SIZE];
    private int filled;
    private long remaining;
    private boolean cancelled;

    SnapshotSender(ServerCallStreamObserver<SnapshotResponse> out) {
        this.out = out;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.setOnReadyHandler(this::wake);
        out.setOnCancelHandler(() -> {
            synchronized (this) {
                cancelled = true;
                notifyAll();
            }
        });
    }

    private synchronized void wake() {
        notifyAll();
    }

    /** Writes the whole snapshot and the hash, then completes the call; any failure ends it with an error. */
    void send(EtcdSnapshot snapshot) {
        try (snapshot) {
            remaining = snapshot.size();
            snapshot.writeTo(this);
            if (filled > 0) {
                flushChunk();
            }
            if (remaining != 0) {
                throw new IllegalStateException("snapshot: " + remaining + " bytes short of the announced size");
            }
            awaitReady();
            out.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFrom(sha256.digest())).build());
            out.onCompleted();
        } catch (CancelledException e) {
            // the client went away: nothing to answer
        } catch (IOException | RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK_SIZE - filled);
            System.arraycopy(b, off, chunk, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK_SIZE) {
                flushChunk();
            }
        }
    }

    @Override
    public void flush() {
        // chunks go out as they fill; the last one when the announced size is reached
    }

    private void flushChunk() throws IOException {
        remaining -= filled;
        if (remaining < 0) {
            throw new IllegalStateException("snapshot: more bytes than the announced size");
        }
        sha256.update(chunk, 0, filled);
        awaitReady();
        out.onNext(SnapshotResponse.newBuilder()
                .setRemainingBytes(remaining)
                .setBlob(ByteString.copyFrom(chunk, 0, filled))
                .build());
        filled = 0;
    }

    private synchronized void awaitReady() throws IOException {
        try {
            while (!cancelled && !out.isReady()) {
                wait(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("snapshot: interrupted");
        }
        if (cancelled) {
            throw new CancelledException();
        }
    }

    /** The call was cancelled: stop writing. */
    private static final class CancelledException extends IOException {
        CancelledException() {
            super("snapshot: the client cancelled");
        }
    }
}
