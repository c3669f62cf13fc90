package io.kvorum.backend.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shorthands the backend tests share. */
final class TestBackends {
    static final Bucket KEY = Bucket.KEY;
    static final Bucket META = Bucket.META;

    private TestBackends() {}

    /** A backend with small memtables, so tests reach files quickly. */
    static Backend open(Path directory, Bucket... buckets) throws IOException {
        return open(directory, Map.of("write-buffer-bytes", String.valueOf(1 << 20)), buckets);
    }

    static Backend open(Path directory, Map<String, String> options, Bucket... buckets) throws IOException {
        return new RocksDbBackendProvider().open(
                new BackendContext(directory, List.of(buckets), PluginOptions.of(options)));
    }

    static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    static byte[] bytes(int... values) {
        byte[] result = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (byte) values[i];
        }
        return result;
    }

    static String text(byte[] bytes) {
        return new String(bytes, UTF_8);
    }

    static void put(Backend backend, Bucket bucket, String key, String value) throws IOException {
        try (WriteBatch batch = backend.newBatch()) {
            batch.put(bucket, bytes(key), bytes(value));
            backend.commit(batch, false);
        }
    }

    static String get(ReadView view, Bucket bucket, String key) {
        return view.get(bucket, bytes(key)).map(TestBackends::text).orElse(null);
    }

    static String get(Backend backend, Bucket bucket, String key) {
        try (ReadView view = backend.readView()) {
            return get(view, bucket, key);
        }
    }

    /** The keys a scan visits, as text, in the order visited. */
    static List<String> scanKeys(ReadView view, Bucket bucket, String from, String to, boolean reverse, long limit) {
        List<String> keys = new ArrayList<>();
        view.scan(bucket, bytes(from), to == null ? null : bytes(to), reverse, limit, (key, value) -> {
            keys.add(text(key));
            return true;
        });
        return keys;
    }

    static List<String> allKeys(Backend backend, Bucket bucket) {
        try (ReadView view = backend.readView()) {
            return scanKeys(view, bucket, "", null, false, 0);
        }
    }
}
