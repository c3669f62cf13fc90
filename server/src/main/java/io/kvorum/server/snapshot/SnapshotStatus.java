package io.kvorum.server.snapshot;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What {@code etcdctl snapshot status} tells of a snapshot file, computed as etcd does: after
 * bbolt's consistency check, a CRC-32C over each top-level bucket's name and then its keys and
 * values in order, the main revision of the {@code key} bucket's last key, the number of entries
 * across all buckets, and the database's size (the trailing hash is not part of it).
 *
 * @param hash      the CRC-32C, unsigned
 * @param revision  the last revision in the {@code key} bucket (0 if none)
 * @param totalKey  entries across all buckets
 * @param totalSize bytes of the database (pages below the high-water mark)
 */
public record SnapshotStatus(long hash, long revision, long totalKey, long totalSize) {

    private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);

    /** Reads and checks the file. */
    public static SnapshotStatus of(Path file) throws IOException {
        try (BboltReader reader = BboltReader.open(file, Files.size(file))) {
            reader.check();
            CRC32C crc = new CRC32C();
            long[] revisionAndCount = new long[2];
            for (byte[] name : reader.bucketNames()) {
                crc.update(name);
                boolean keyBucket = Arrays.equals(name, KEY_BUCKET);
                reader.forEach(name, (key, value) -> {
                    crc.update(key);
                    crc.update(value);
                    if (keyBucket) {
                        if (key.length < 8) {
                            throw new BboltFormatException("snapshot: a key bucket key of " + key.length + " bytes");
                        }
                        revisionAndCount[0] = Bbolt.getLong(reverse8(key), 0);
                    }
                    revisionAndCount[1]++;
                });
            }
            return new SnapshotStatus(crc.getValue(), revisionAndCount[0], revisionAndCount[1], reader.size());
        }
    }

    /** The first 8 bytes (big-endian) reversed, for the little-endian reader. */
    private static byte[] reverse8(byte[] key) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = key[7 - i];
        }
        return b;
    }

    /** etcdctl's {@code -w json}. */
    public String json() {
        return "{\"hash\":" + hash + ",\"revision\":" + revision + ",\"totalKey\":" + totalKey
                + ",\"totalSize\":" + totalSize + "}\n";
    }

    /** etcdctl's {@code -w simple}. */
    public String simple() {
        return String.join(", ", row()) + "\n";
    }

    /** etcdctl's {@code -w fields}. */
    public String fields() {
        return "\"Hash\" : " + hash + "\n\"Revision\" : " + revision + "\n\"Keys\" : " + totalKey
                + "\n\"Size\" : " + totalSize + "\n";
    }

    /** etcdctl's {@code -w table}: headers centred, cells right-aligned. */
    public String table() {
        String[] header = {"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"};
        String[] row = row();
        StringBuilder border = new StringBuilder("+");
        StringBuilder head = new StringBuilder("|");
        StringBuilder cells = new StringBuilder("|");
        for (int i = 0; i < header.length; i++) {
            int width = Math.max(header[i].length(), row[i].length());
            border.append("-".repeat(width + 2)).append('+');
            int gap = width - header[i].length();
            head.append(' ').append(" ".repeat(gap / 2)).append(header[i]).append(" ".repeat(gap - gap / 2)).append(" |");
            cells.append(' ').append(" ".repeat(width - row[i].length())).append(row[i]).append(" |");
        }
        return border + "\n" + head + "\n" + border + "\n" + cells + "\n" + border + "\n";
    }

    private String[] row() {
        return new String[] {Long.toHexString(hash), Long.toString(revision), Long.toString(totalKey),
                humanBytes(totalSize)};
    }

    /** go-humanize's {@code Bytes}: SI units, one decimal below 10. */
    static String humanBytes(long bytes) {
        if (bytes < 10) {
            return bytes + " B";
        }
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        int e = (int) Math.floor(Math.log(bytes) / Math.log(1000));
        double value = Math.floor(bytes / Math.pow(1000, e) * 10 + 0.5) / 10;
        // Go's %f rounds half to even
        String number = new BigDecimal(value).setScale(value < 10 ? 1 : 0, RoundingMode.HALF_EVEN).toPlainString();
        return number + " " + units[e];
    }
}
