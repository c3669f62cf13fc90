package io.kvorum.server.mvcc;

import com.google.protobuf.ByteString;
import io.kvorum.api.mvccpb.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Plays the apply thread in tests: one txn per log entry, committed at once, unless staged. */
final class TestApply {

    final MvccStore store;
    private long index;

    TestApply(MvccStore store) {
        this(store, store.consistentIndex());
    }

    private TestApply(MvccStore store, long index) {
        this.store = store;
        this.index = index;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(ByteString bytes) {
        return bytes.toStringUtf8();
    }

    /** Runs one txn and commits it; returns the revision after it. */
    long txn(Consumer<WriteTxn> body) {
        long revision = stage(body);
        commit();
        return revision;
    }

    /** Runs one txn without committing it. */
    long stage(Consumer<WriteTxn> body) {
        try (WriteTxn txn = store.beginWrite()) {
            body.accept(txn);
            return txn.end();
        }
    }

    void commit() {
        try {
            store.commit(++index, 1, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long put(String key, String value) {
        return txn(txn -> txn.put(bytes(key), bytes(value), 0));
    }

    long delete(String key) {
        return txn(txn -> txn.deleteRange(bytes(key), null));
    }

    /** Compacts and commits the entry; returns the physical-deletion future. */
    CompletableFuture<Void> compact(long revision) {
        CompletableFuture<Void> done = store.compact(revision);
        commit();
        return done;
    }

    /** The live value of {@code key} at {@code revision} (0: current), or null. */
    KeyValue get(String key, long revision) {
        List<KeyValue> kvs = store.range(bytes(key), null, revision, 0).kvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }
}
