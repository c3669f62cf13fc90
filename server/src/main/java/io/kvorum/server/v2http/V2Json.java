package io.kvorum.server.v2http;

import io.kvorum.server.v2.NodeView;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.GoJson;
import io.kvorum.server.v2.V2Event;
import io.kvorum.server.v2.V2Store;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The JSON etcd's v2 API writes, byte for byte as Go's {@code encoding/json} encodes etcd's
 * structs: fields in struct order, empty ones left out ({@code omitempty}), HTML characters
 * escaped, times in RFC 3339 with nanoseconds, and a newline at the end. Keys and error causes
 * are shown without the store's keys namespace ({@link V2Store#KEYS}), as etcd trims it.
 */
final class V2Json {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private V2Json() {
    }

    static String event(V2Event e) {
        StringBuilder out = new StringBuilder(128);
        out.append("{\"action\":");
        string(out, e.action());
        out.append(",\"node\":");
        node(out, e.node());
        e.prevNode().ifPresent(prev -> {
            out.append(",\"prevNode\":");
            node(out, prev);
        });
        // etcd answers a copy of the event that leaves the refresh flag out
        return out.append("}\n").toString();
    }

    /** An event with neither node (etcd's {@code noValueOnSuccess}). */
    static String bareEvent(V2Event e) {
        StringBuilder out = new StringBuilder("{\"action\":");
        string(out, e.action());
        return out.append("}\n").toString();
    }

    static String error(V2Error e) {
        StringBuilder out = new StringBuilder(96);
        out.append("{\"errorCode\":").append(e.code()).append(",\"message\":");
        string(out, e.text());
        if (!e.cause().isEmpty()) {
            out.append(",\"cause\":");
            string(out, trimKeys(e.cause()));
        }
        return out.append(",\"index\":").append(e.index()).append("}\n").toString();
    }

    private static void node(StringBuilder out, NodeView n) {
        int start = out.length();
        out.append('{');
        // the keys namespace itself is trimmed to nothing, and its key left out
        String key = trimKeys(n.key());
        if (!key.isEmpty()) {
            string(out.append("\"key\":"), key);
            out.append(',');
        }
        n.value().ifPresent(v -> {
            string(out.append("\"value\":"), v);
            out.append(',');
        });
        if (n.dir()) {
            out.append("\"dir\":true,");
        }
        if (n.expiration() != 0) {
            out.append("\"expiration\":\"").append(time(n.expiration())).append("\",");
        }
        if (n.ttl() != 0) {
            out.append("\"ttl\":").append(n.ttl()).append(',');
        }
        List<NodeView> nodes = n.nodes().orElse(List.of());
        if (!nodes.isEmpty()) {
            out.append("\"nodes\":[");
            for (int i = 0; i < nodes.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                node(out, nodes.get(i));
            }
            out.append("],");
        }
        if (n.modifiedIndex() != 0) {
            out.append("\"modifiedIndex\":").append(Long.toUnsignedString(n.modifiedIndex())).append(',');
        }
        if (n.createdIndex() != 0) {
            out.append("\"createdIndex\":").append(Long.toUnsignedString(n.createdIndex())).append(',');
        }
        if (out.charAt(out.length() - 1) == ',') {
            out.setLength(out.length() - 1);
        }
        out.append('}');
        assert out.charAt(start) == '{';
    }

    /** Go's {@code strings.TrimPrefix(s, StoreKeysPrefix)}. */
    private static String trimKeys(String s) {
        return s.startsWith(V2Store.KEYS) ? s.substring(V2Store.KEYS.length()) : s;
    }

    /** Go's RFC 3339 with nanoseconds, trailing zeros of the fraction dropped, in UTC. */
    static String time(long unixNanos) {
        Instant t = Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L));
        StringBuilder s = new StringBuilder(SECONDS.format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            String fraction = String.format("%09d", nanos);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            s.append('.').append(fraction, 0, end);
        }
        return s.append('Z').toString();
    }

    /** A JSON string as Go writes it. */
    static void string(StringBuilder out, String s) {
        GoJson.string(out, s);
    }
}
