package io.kvorum.backend.rocksdb;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.kvorum.spi.backend.Bucket;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.ColumnFamilyHandle;

/**
 * Which column family holds each bucket.
 *
 * <p>The mapping is recorded in RocksDB's default column family, one record {@code bucket/<name>}
 * per bucket whose value is the column family's name. Column families are named
 * {@code <bucket>#<serial>} with a serial never reused while the database is open, so a restore can
 * load fresh column families beside the live ones and then switch every bucket over with one write
 * to these records. A catalog only grows (buckets created on first use) until a restore replaces it
 * whole; the replaced one stays readable for the read views opened on it, and its handles are
 * closed when the last of them is.
 */
final class Catalog {

    /** A column family and the name it is recorded under. */
    record Family(String name, ColumnFamilyHandle handle) {
        byte[] nameBytes() {
            return name.getBytes(US_ASCII);
        }
    }

    private static final byte[] RECORD_PREFIX = "bucket/".getBytes(US_ASCII);
    private static final char SERIAL_SEPARATOR = '#';

    private final Map<Bucket, Family> families;
    private final ReferenceCount users = new ReferenceCount(this::closeHandles);

    Catalog(Map<Bucket, Family> families) {
        this.families = new ConcurrentHashMap<>(families);
    }

    /** The bucket's column family, or null if the bucket was never written. */
    ColumnFamilyHandle find(Bucket bucket) {
        Family family = families.get(bucket);
        return family == null ? null : family.handle();
    }

    void add(Bucket bucket, Family family) {
        families.put(bucket, family);
    }

    Set<Bucket> buckets() {
        return Set.copyOf(families.keySet());
    }

    List<ColumnFamilyHandle> handles() {
        return families.values().stream().map(Family::handle).toList();
    }

    /** The buckets by name, so that two snapshots of the same contents are the same bytes. */
    List<Map.Entry<Bucket, Family>> byName() {
        return families.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(Bucket::name)))
                .toList();
    }

    boolean tryRetain() {
        return users.tryRetain();
    }

    void release() {
        users.release();
    }

    /** No longer current: closes the handles once the last reader has let go. */
    void retire() {
        users.close();
    }

    private void closeHandles() {
        families.values().forEach(family -> family.handle().close());
    }

    static byte[] recordKey(Bucket bucket) {
        byte[] name = bucket.name().getBytes(US_ASCII);
        byte[] key = Arrays.copyOf(RECORD_PREFIX, RECORD_PREFIX.length + name.length);
        System.arraycopy(name, 0, key, RECORD_PREFIX.length, name.length);
        return key;
    }

    static Bucket bucketOfRecord(byte[] key) {
        return new Bucket(new String(key, RECORD_PREFIX.length, key.length - RECORD_PREFIX.length, US_ASCII));
    }

    /** The inclusive lower bound of a scan over every record. */
    static byte[] recordsStart() {
        return RECORD_PREFIX.clone();
    }

    /** The first key after every record: the exclusive upper bound of a scan over them. */
    static byte[] recordsEnd() {
        byte[] end = RECORD_PREFIX.clone();
        end[end.length - 1]++;
        return end;
    }

    static String familyName(Bucket bucket, long serial) {
        return bucket.name() + SERIAL_SEPARATOR + serial;
    }

    /** The serial of a name given by {@link #familyName}, if it is one. */
    static Optional<Long> serialOf(String familyName) {
        int separator = familyName.lastIndexOf(SERIAL_SEPARATOR);
        if (separator < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(familyName.substring(separator + 1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
