package io.kvorum.server.metrics;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendSnapshot;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.metrics.Gauge;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The member's backend, counting the read views open on it right now into etcd's
 * {@code etcd_mvcc_db_open_read_transactions} (etcd counts its open bbolt read transactions): a
 * view counts from {@link #readView()} until its first {@code close()}. Everything else goes to the
 * backend as it is.
 */
public final class OpenViewsBackend implements Backend {
    private final Backend backend;
    private final Gauge open;

    public OpenViewsBackend(Backend backend, Gauge open) {
        this.backend = backend;
        this.open = open;
    }

    @Override
    public ReadView readView() {
        ReadView view = backend.readView();
        open.add(1);
        AtomicBoolean closed = new AtomicBoolean();
        return new ReadView() {
            @Override
            public Optional<byte[]> get(Bucket bucket, byte[] key) {
                return view.get(bucket, key);
            }

            @Override
            public void scan(Bucket bucket, byte[] from, byte[] to, boolean reverse, long limit, EntryVisitor visitor) {
                view.scan(bucket, from, to, reverse, limit, visitor);
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    open.add(-1);
                }
                view.close();
            }
        };
    }

    @Override
    public WriteBatch newBatch() {
        return backend.newBatch();
    }

    @Override
    public void commit(WriteBatch batch, boolean durable) throws IOException {
        backend.commit(batch, durable);
    }

    @Override
    public long size() {
        return backend.size();
    }

    @Override
    public long sizeInUse() {
        return backend.sizeInUse();
    }

    @Override
    public void defragment() throws IOException {
        backend.defragment();
    }

    @Override
    public void snapshot(OutputStream out) throws IOException {
        backend.snapshot(out);
    }

    @Override
    public BackendSnapshot openSnapshot() throws IOException {
        return backend.openSnapshot();
    }

    @Override
    public void restore(InputStream in) throws IOException {
        backend.restore(in);
    }

    @Override
    public void close() throws IOException {
        backend.close();
    }
}
