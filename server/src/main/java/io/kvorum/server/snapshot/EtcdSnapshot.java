package io.kvorum.server.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.spi.backend.Bucket;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.consensus.Member;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A member's state as etcd's snapshot file ({@code member/snap/db}): the backend's buckets as they
 * are (they already hold etcd's layouts: revision keys and KeyValue records in {@code key}, the
 * consistent index, term and compaction revisions in {@code meta}, {@code lease}, {@code alarm}
 * and the auth buckets), plus what the consensus keeps and etcd keeps in its db: the
 * {@code members} (etcd's member JSON under the hex id), an empty {@code members_removed}, and
 * the {@code cluster} version.
 *
 * <p>Everything is read through one point-in-time {@link ReadView}, twice (see
 * {@link BboltWriter}), so commits go on meanwhile and the file shows one moment. The view
 * stays open until {@link #close()}.
 */
public final class EtcdSnapshot implements AutoCloseable {
    /** The backend buckets etcd's file holds, each written as it is. */
    public static final List<Bucket> BACKEND_BUCKETS = List.of(Bucket.KEY, Bucket.META, Bucket.LEASE,
            Bucket.AUTH, Bucket.AUTH_USERS, Bucket.AUTH_ROLES, Bucket.ALARM);
    static final String MEMBERS = "members";
    static final String MEMBERS_REMOVED = "members_removed";
    static final String CLUSTER = "cluster";
    static final byte[] CLUSTER_VERSION = "clusterVersion".getBytes(StandardCharsets.US_ASCII);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReadView view;
    private final List<BboltWriter.Bucket> buckets;
    private final BboltWriter.Plan plan;

    private EtcdSnapshot(ReadView view, List<BboltWriter.Bucket> buckets) throws IOException {
        this.view = view;
        this.buckets = buckets;
        this.plan = BboltWriter.plan(buckets);
    }

    /**
     * Lays out the file of {@code view}'s contents (a pass over every bucket). Takes the view: it
     * is closed with this, or at once if laying out fails.
     */
    public static EtcdSnapshot open(ReadView view, List<Member> members, String clusterVersion) throws IOException {
        try {
            List<BboltWriter.Bucket> buckets = new ArrayList<>();
            for (Bucket bucket : BACKEND_BUCKETS) {
                buckets.add(new BboltWriter.Bucket(bytes(bucket.name()), sink -> scan(view, bucket, sink)));
            }
            List<Member> sorted = new ArrayList<>(members);
            sorted.sort(Comparator.comparing(m -> memberKey(m.id())));
            List<byte[][]> memberEntries = new ArrayList<>();
            for (Member m : sorted) {
                memberEntries.add(new byte[][] {bytes(memberKey(m.id())), memberJson(m)});
            }
            buckets.add(new BboltWriter.Bucket(bytes(MEMBERS), sink -> {
                for (byte[][] e : memberEntries) {
                    sink.accept(e[0], e[1]);
                }
            }));
            buckets.add(new BboltWriter.Bucket(bytes(MEMBERS_REMOVED), sink -> { }));
            byte[] version = bytes(clusterVersion);
            buckets.add(new BboltWriter.Bucket(bytes(CLUSTER), sink -> sink.accept(CLUSTER_VERSION, version)));
            buckets.sort((a, b) -> java.util.Arrays.compareUnsigned(a.name(), b.name()));
            return new EtcdSnapshot(view, buckets);
        } catch (IOException | RuntimeException e) {
            view.close();
            throw e;
        }
    }

    /** The file's size in bytes (a multiple of the page size). */
    public long size() {
        return plan.size();
    }

    /** Writes the file; may be called again, with the same result. */
    public void writeTo(OutputStream out) throws IOException {
        BboltWriter.write(buckets, plan, out);
    }

    @Override
    public void close() {
        view.close();
    }

    /** etcd's member key: the id in lowercase hex, unpadded. */
    static String memberKey(long id) {
        return Long.toUnsignedString(id, 16);
    }

    /** etcd's member JSON: id, peerURLs, isLearner (only when true), name and clientURLs (only when set). */
    static byte[] memberJson(Member m) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", new BigInteger(Long.toUnsignedString(m.id())));
        json.put("peerURLs", m.peerUrls());
        if (m.learner()) {
            json.put("isLearner", true);
        }
        if (!m.name().isEmpty()) {
            json.put("name", m.name());
        }
        if (!m.clientUrls().isEmpty()) {
            json.put("clientURLs", m.clientUrls());
        }
        try {
            return JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void scan(ReadView view, Bucket bucket, BboltWriter.EntrySink sink) throws IOException {
        try {
            view.scan(bucket, new byte[0], null, false, 0, (key, value) -> {
                try {
                    sink.accept(key, value);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return true;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
