package io.kvorum.server.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BboltWriterTest {
    @TempDir
    Path dir;

    /** Buckets as sorted maps, with the writer's view of them. */
    private static List<BboltWriter.Bucket> buckets(TreeMap<String, TreeMap<byte[], byte[]>> data) {
        List<BboltWriter.Bucket> buckets = new ArrayList<>();
        data.forEach((name, entries) -> buckets.add(new BboltWriter.Bucket(name.getBytes(StandardCharsets.UTF_8),
                sink -> {
                    for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
                        sink.accept(e.getKey(), e.getValue());
                    }
                })));
        return buckets;
    }

    private static TreeMap<byte[], byte[]> entries() {
        return new TreeMap<>(java.util.Arrays::compareUnsigned);
    }

    /** Many small entries (three tree levels), big values (overflow pages), an empty bucket. */
    private static TreeMap<String, TreeMap<byte[], byte[]>> sample(long seed) {
        Random random = new Random(seed);
        TreeMap<String, TreeMap<byte[], byte[]>> data = new TreeMap<>();
        TreeMap<byte[], byte[]> many = entries();
        for (int i = 0; i < 60_000; i++) {
            byte[] key = new byte[17];
            random.nextBytes(key);
            byte[] value = new byte[random.nextInt(40)];
            random.nextBytes(value);
            many.put(key, value);
        }
        data.put("key", many);
        TreeMap<byte[], byte[]> big = entries();
        for (int i = 0; i < 20; i++) {
            byte[] value = new byte[random.nextInt(3) == 0 ? 10 : random.nextInt(50_000)];
            random.nextBytes(value);
            big.put(("big" + (char) ('a' + i)).getBytes(StandardCharsets.UTF_8), value);
        }
        data.put("lease", big);
        data.put("alarm", entries());
        TreeMap<byte[], byte[]> meta = entries();
        meta.put("consistent_index".getBytes(StandardCharsets.UTF_8), new byte[8]);
        data.put("meta", meta);
        return data;
    }

    private Path writeFile(List<BboltWriter.Bucket> buckets) throws IOException {
        BboltWriter.Plan plan = BboltWriter.plan(buckets);
        Path file = dir.resolve("db");
        try (OutputStream out = Files.newOutputStream(file)) {
            BboltWriter.write(buckets, plan, out);
        }
        assertEquals(plan.size(), Files.size(file));
        return file;
    }

    private static String expectedDump(TreeMap<String, TreeMap<byte[], byte[]>> data) {
        StringBuilder text = new StringBuilder();
        HexFormat hex = HexFormat.of();
        data.forEach((name, entries) -> {
            text.append("bucket\t").append(name).append('\n');
            entries.forEach((k, v) -> text.append(name).append('\t').append(hex.formatHex(k)).append('\t')
                    .append(hex.formatHex(v)).append('\n'));
        });
        return text.toString();
    }

    private static String readerDump(Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        HexFormat hex = HexFormat.of();
        try (BboltReader reader = BboltReader.open(file, Files.size(file))) {
            reader.check();
            for (byte[] name : reader.bucketNames()) {
                String bucket = new String(name, StandardCharsets.UTF_8);
                text.append("bucket\t").append(bucket).append('\n');
                reader.forEach(name, (k, v) -> text.append(bucket).append('\t').append(hex.formatHex(k)).append('\t')
                        .append(hex.formatHex(v)).append('\n'));
            }
        }
        return text.toString();
    }

    @Test
    void theReaderReadsBackWhatTheWriterWrote() throws IOException {
        TreeMap<String, TreeMap<byte[], byte[]>> data = sample(1);
        Path file = writeFile(buckets(data));
        assertEquals(expectedDump(data), readerDump(file));
    }

    @Test
    void bboltChecksAndReadsTheWritersFile() throws Exception {
        assumeTrue(GoBbolt.available(), "go and bbolt's source are not installed");
        TreeMap<String, TreeMap<byte[], byte[]>> data = sample(2);
        Path file = writeFile(buckets(data));
        assertEquals(expectedDump(data), GoBbolt.dump(file));
    }

    @Test
    void anEmptyDatabaseIsValid() throws Exception {
        Path file = writeFile(List.of());
        assertEquals("", readerDump(file));
        if (GoBbolt.available()) {
            assertEquals("", GoBbolt.dump(file));
        }
    }

    @Test
    void entriesOutOfOrderAreRefused() {
        TreeMap<byte[], byte[]> reversed = new TreeMap<>((a, b) -> java.util.Arrays.compareUnsigned(b, a));
        reversed.put(new byte[] {1}, new byte[0]);
        reversed.put(new byte[] {2}, new byte[0]);
        List<BboltWriter.Bucket> buckets = List.of(new BboltWriter.Bucket(new byte[] {'k'}, sink -> {
            for (Map.Entry<byte[], byte[]> e : reversed.entrySet()) {
                sink.accept(e.getKey(), e.getValue());
            }
        }));
        assertThrows(IllegalArgumentException.class, () -> BboltWriter.plan(buckets));
    }

    @Test
    void entriesThatChangeBetweenThePlanAndTheWriteAreRefused() throws IOException {
        int[] calls = {0};
        List<BboltWriter.Bucket> buckets = List.of(new BboltWriter.Bucket(new byte[] {'k'}, sink -> {
            int n = calls[0]++ == 0 ? 1000 : 2000;
            for (int i = 0; i < n; i++) {
                sink.accept(String.format("%08d", i).getBytes(StandardCharsets.UTF_8), new byte[20]);
            }
        }));
        BboltWriter.Plan plan = BboltWriter.plan(buckets);
        assertThrows(IllegalStateException.class,
                () -> BboltWriter.write(buckets, plan, new ByteArrayOutputStream()));
    }
}
