package io.kvorum.server.snapshot;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a bbolt file's pages go, in page-id order: each page is allocated the next id and written
 * at once. Without a stream it only counts, so the same build run twice gives a plan (page ids,
 * file size) and then the file.
 */
final class PageOut {
    private final OutputStream out;
    private long next;

    /** @param out the file's bytes from page {@code first}; null to count only */
    PageOut(OutputStream out, long first) {
        this.out = out;
        this.next = first;
    }

    /** The id the next page gets. */
    long next() {
        return next;
    }

    /**
     * Writes a node of {@code pages} pages whose first {@code length} bytes are in {@code buffer}
     * (header included; its id field is set here); the rest of the pages is zeros.
     *
     * @return the node's page id
     */
    long write(byte[] buffer, int length, int pages) throws IOException {
        long id = next;
        next += pages;
        if (out != null) {
            Bbolt.putLong(buffer, 0, id);
            out.write(buffer, 0, length);
            long padding = (long) pages * Bbolt.PAGE_SIZE - length;
            byte[] zeros = new byte[(int) Math.min(padding, Bbolt.PAGE_SIZE)];
            while (padding > 0) {
                int n = (int) Math.min(padding, zeros.length);
                out.write(zeros, 0, n);
                padding -= n;
            }
        }
        return id;
    }
}
