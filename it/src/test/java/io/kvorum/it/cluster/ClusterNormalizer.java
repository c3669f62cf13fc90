package io.kvorum.it.cluster;

import io.kvorum.it.etcdctl.EtcdctlOutput;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks, in etcdctl's output about a cluster, what must differ between two clusters running the
 * same steps, so that the rest is compared byte for byte: each member's client and peer URL and
 * its member ID become {@code <m1-client>}, {@code <m1-peer>}, {@code <id:m1>} (by member name, so
 * the mapping does not depend on which ID happens to be smaller); the cluster ID becomes
 * {@code <cluster-id>}; server version, database size and raft term and indexes are masked (a zero
 * stays visible; an ID etcdctl pads to 16 columns loses its padding); any other hex ID (16 digits, or a
 * padded shorter one after "Member " or "cluster ") becomes {@code <other-id-n>} in order of appearance.
 * etcdctl's retry log lines lose their timestamp, connection id and chosen endpoint. Tables are
 * re-rendered without padding. Where etcd orders members by ID (member lists, status of the
 * whole cluster, {@code ETCD_INITIAL_CLUSTER}) the normalized rows are sorted. Everything else —
 * names, learner flags, leader flags, messages and error texts — stays as printed.
 */
final class ClusterNormalizer {
    private static final Set<String> VOLATILE_COLUMNS =
            Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX");
    private static final Pattern INITIAL_CLUSTER = Pattern.compile("^ETCD_INITIAL_CLUSTER=\"([^\"]*)\"$", Pattern.MULTILINE);
    private static final Pattern OTHER_ID = Pattern.compile("(?<![0-9A-Za-z])[0-9a-f]{16}(?![0-9A-Za-z])");
    /** An ID etcdctl printed as %16x after "Member " or "cluster ", shorter than 16 digits and so padded. */
    private static final Pattern PADDED_OTHER_ID = Pattern.compile("\\b(Member|cluster)  +([0-9a-f]{1,15})(?![0-9A-Za-z])");

    private final Map<String, String> urls = new LinkedHashMap<>();
    private final Map<Long, String> ids = new LinkedHashMap<>();
    private final List<String> otherIds = new ArrayList<>();
    private final List<UnaryOperator<String>> fixed = new ArrayList<>();

    ClusterNormalizer() {
        regex("\"ts\":\"[^\"]*\"", "\"ts\":\"<ts>\"");
        regex("\"target\":\"endpoint://client-[0-9a-f-]+/[^\"]*\"", "\"target\":\"endpoint://client-<uuid>/<endpoint>\"");
        regex("\"version\":\"[^\"]*\"", "\"version\":\"<version>\"");
    }

    private void regex(String regex, String replacement) {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        fixed.add(text -> pattern.matcher(text).replaceAll(replacement));
    }

    /** Learns a member's URLs (known before it starts). */
    void member(ClusterMember m) {
        urls.put(m.clientUrl().toString(), "<" + m.name() + "-client>");
        urls.put("127.0.0.1:" + m.clientPort(), "<" + m.name() + "-client-addr>");
        urls.put(m.peerUrl().toString(), "<" + m.name() + "-peer>");
        urls.put("127.0.0.1:" + m.peerPort(), "<" + m.name() + "-peer-addr>");
    }

    /** Learns a member's ID (known once it is added or has served). */
    void memberId(String name, long id) {
        ids.put(id, "<id:" + name + ">");
    }

    void clusterId(long id) {
        ids.put(id, "<cluster-id>");
    }

    /** {@code <other-id-n>}, numbered in order of first appearance. */
    private String otherId(String hex) {
        if (!otherIds.contains(hex)) {
            otherIds.add(hex);
        }
        return "<other-id-" + (otherIds.indexOf(hex) + 1) + ">";
    }

    String normalize(String text, boolean anyOrder) {
        if (text.isEmpty()) {
            return text;
        }
        String result = text;
        for (UnaryOperator<String> f : fixed) {
            result = f.apply(result);
        }
        for (Map.Entry<String, String> e : urls.entrySet()) {
            Pattern p = Pattern.compile(Pattern.quote(e.getKey()) + "(?![0-9])");
            result = p.matcher(result).replaceAll(Matcher.quoteReplacement(e.getValue()));
        }
        for (Map.Entry<Long, String> e : ids.entrySet()) {
            // etcdctl prints some IDs as %16x: a shorter ID comes with spaces that depend on its value
            String hex = Long.toHexString(e.getKey());
            if (hex.length() < 16) {
                Pattern padded = Pattern.compile(" " + " ".repeat(16 - hex.length()) + Pattern.quote(hex)
                        + "(?![0-9A-Za-z])");
                result = padded.matcher(result).replaceAll(Matcher.quoteReplacement(" " + e.getValue()));
            }
            for (String form : List.of(hex, Long.toUnsignedString(e.getKey()))) {
                Pattern p = Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(form) + "(?![0-9A-Za-z])");
                result = p.matcher(result).replaceAll(Matcher.quoteReplacement(e.getValue()));
            }
        }
        result = PADDED_OTHER_ID.matcher(result).replaceAll(m -> m.group(1) + " " + otherId(m.group(2)));
        result = OTHER_ID.matcher(result).replaceAll(m -> otherId(m.group()));
        result = EtcdctlOutput.maskStatusLines(result);
        result = INITIAL_CLUSTER.matcher(result).replaceAll(m -> {
            List<String> entries = new ArrayList<>(List.of(m.group(1).split(",")));
            Collections.sort(entries);
            return Matcher.quoteReplacement("ETCD_INITIAL_CLUSTER=\"" + String.join(",", entries) + "\"");
        });
        result = EtcdctlOutput.canonicalTables(EtcdctlOutput.stripTrailingWhitespace(result), VOLATILE_COLUMNS);
        return anyOrder ? sortedRows(result) : result;
    }

    /**
     * Rows sorted where the server orders them by member ID: a table's body (between its second
     * and last border), or else every line.
     */
    private static String sortedRows(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        List<Integer> borders = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("+")) {
                borders.add(i);
            }
        }
        if (borders.size() >= 3) {
            int from = borders.get(1) + 1;
            int to = borders.get(borders.size() - 1);
            Collections.sort(lines.subList(from, to));
        } else {
            Collections.sort(lines);
        }
        return String.join("\n", lines) + "\n";
    }
}
