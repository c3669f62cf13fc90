package io.kvorum.consensus.raft.transport.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The receiving end of a snapshot body: chunks arrive on an event loop, the restoring thread reads
 * them as one stream. It asks the sender for the next chunk only as it takes one, so at most
 * {@link #AHEAD} chunks wait here and gRPC flow control holds back the rest.
 */
final class ChunkPipe extends InputStream {
    static final int AHEAD = 2;
    private static final Object END = new Object();

    /** Chunks ({@code byte[]}), then {@link #END} or the {@link IOException} that ended the stream. */
    private final BlockingQueue<Object> chunks = new LinkedBlockingQueue<>();
    private final Runnable requestNext;
    private byte[] current = new byte[0];
    private int position;
    private IOException failure;
    private boolean ended;

    /** {@code requestNext} asks the sender for one more chunk; it is called from the reading thread. */
    ChunkPipe(Runnable requestNext) {
        this.requestNext = requestNext;
    }

    /** A chunk arrived (event loop). */
    void offer(byte[] chunk) {
        chunks.add(chunk);
    }

    /** The sender finished the body (event loop). */
    void end() {
        chunks.add(END);
    }

    /** The stream broke before its end (event loop). */
    void fail(IOException cause) {
        chunks.add(cause);
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public int available() {
        return current.length - position;
    }

    /** Makes bytes available in {@code current}; false at the end of the body. */
    private boolean fill() throws IOException {
        while (position == current.length) {
            if (failure != null) {
                throw failure;
            }
            if (ended) {
                return false;
            }
            Object next;
            try {
                next = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for a snapshot chunk");
            }
            if (next == END) {
                ended = true;
            } else if (next instanceof IOException e) {
                failure = e;
            } else {
                current = (byte[]) next;
                position = 0;
                requestNext.run();
            }
        }
        return true;
    }
}
