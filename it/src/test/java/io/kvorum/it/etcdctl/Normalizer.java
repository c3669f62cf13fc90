package io.kvorum.it.etcdctl;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks what legitimately differs between two servers running the same steps, so that the rest
 * can be compared byte for byte: the endpoint and peer addresses, member and cluster IDs (decimal
 * in JSON, hex in tables and simple output), raft term and indexes, server version, database size,
 * {@code took} durations, and the timestamp and connection id in etcdctl's retry log lines; a
 * lease's attached keys are compared sorted, since etcd lists them in no fixed order. Table
 * output is re-rendered without padding, since masked cells change the column widths. Trailing
 * whitespace is dropped from every line. Everything else — keys, values, revisions, counts, error
 * texts and gRPC codes — stays as printed.
 *
 * <p>A masked raft term or index that is zero stays visible, in every format alike: JSON leaves
 * zero fields out anyway, and a member reporting term or index 0 is not what etcd reports.
 *
 * <p>Lease IDs are made up by each server. The n-th ID to appear in a run's output is shown as
 * {@code <lease-n>} wherever it appears again, as {@code %016x} ({@code lease grant}), {@code %x}
 * (the keys of {@code lock} and {@code elect}, {@code <name>/<id>}) or decimal (JSON); a script
 * writes the placeholder where it needs the real ID. A lease's remaining TTL drifts with time, so
 * it is masked while it lies strictly between 0 and the granted TTL; outside of that it is wrong
 * and stays visible.
 */
final class Normalizer {
    private static final Set<String> VOLATILE_COLUMNS =
            Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "TOOK");


    /** Where a lease ID first shows: etcdctl's lease commands print it as {@code lease %016x ...}. */
    private static final Pattern LEASE_WORD = Pattern.compile("\\blease ([0-9a-f]{1,16})\\b");
    /** {@code lease list}: "found 2 leases" and one hex ID per line. */
    private static final Pattern LEASE_LIST = Pattern.compile("^found \\d+ leases\\n((?:[0-9a-f]{1,16}\\n)*)");
    /** Lease IDs in JSON: {@code "ID"} (grant, keep-alive), {@code "id"} (timetolive, list), {@code "lease"} (a key's). */
    private static final Pattern LEASE_JSON = Pattern.compile("\"(?:ID|id|lease)\":([1-9][0-9]*)");
    private static final Pattern PLACEHOLDER = Pattern.compile("<lease-(\\d+)>");
    private static final Pattern REMAINING = Pattern.compile("TTL\\((\\d+)s\\), remaining\\((-?\\d+)s\\)");
    private static final Pattern REMAINING_JSON = Pattern.compile("\"ttl\":(-?\\d+),\"granted-ttl\":(\\d+)");
    /** A lease's keys, which etcd lists in Go map order: a different order each time. */
    private static final Pattern ATTACHED_KEYS = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");
    private static final Pattern ATTACHED_KEYS_JSON = Pattern.compile("\"keys\":\\[([^\\]]*)\\]");
    /** A shorter form of an ID is too likely to be some other number to be masked everywhere. */
    private static final int SHORTEST_MASKED_ID = 6;

    private final List<UnaryOperator<String>> replacements = new ArrayList<>();
    /** Every lease ID seen so far, in the order seen: the n-th is {@code <lease-n>}. */
    private final List<Long> leases = new ArrayList<>();
    /** Lock and election names, whose keys end in a lease ID. */
    private final List<Pattern> leaseKeys = new ArrayList<>();

    Normalizer(URI clientUrl, URI peerUrl, long memberId, long clusterId) {
        regex("\"ts\":\"[^\"]*\"", "\"ts\":\"<ts>\"");
        regex("endpoint://client-[0-9a-f-]+/", "endpoint://client-<uuid>/");
        literal(clientUrl.toString(), "<client-url>");
        literal(clientUrl.getHost() + ":" + clientUrl.getPort(), "<client-addr>");
        literal(peerUrl.toString(), "<peer-url>");
        literal(peerUrl.getHost() + ":" + peerUrl.getPort(), "<peer-addr>");
        if (memberId != 0) {
            word(Long.toUnsignedString(memberId), "<member-id>");
            word(Long.toHexString(memberId), "<member-id>");
        }
        if (clusterId != 0) {
            word(Long.toUnsignedString(clusterId), "<cluster-id>");
            word(Long.toHexString(clusterId), "<cluster-id>");
        }
        for (String field : List.of("raft_term", "raftTerm", "raftIndex", "raftAppliedIndex", "dbSize", "dbSizeInUse")) {
            regex("\"" + field + "\":[1-9]\\d*", "\"" + field + "\":<" + field + ">");
        }
        regex("\"RaftTerm\" : [1-9]\\d*", "\"RaftTerm\" : <raft_term>");
        // server version (a string); a key's version is a number and stays
        regex("\"version\":\"[^\"]*\"", "\"version\":\"<version>\"");
        regex("\"took\":\"[^\"]*\"", "\"took\":\"<took>\"");
        regex("took = \\S+", "took = <took>");
        // compared in sorted order, since even etcd against itself lists them in any order
        replacements.add(text -> ATTACHED_KEYS.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                "attached keys([" + sorted(m.group(1), " ") + "])")));
        replacements.add(text -> ATTACHED_KEYS_JSON.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                "\"keys\":[" + sorted(m.group(1), ",") + "]")));
        replacements.add(EtcdctlOutput::maskStatusLines);
    }

    private void regex(String regex, String replacement) {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        replacements.add(text -> pattern.matcher(text).replaceAll(replacement));
    }

    /** {@code text} not followed by a digit (port 4012 must not match inside port 40123). */
    private void literal(String text, String replacement) {
        Pattern pattern = Pattern.compile(Pattern.quote(text) + "(?![0-9])");
        replacements.add(t -> pattern.matcher(t).replaceAll(Matcher.quoteReplacement(replacement)));
    }

    private void word(String text, String replacement) {
        Pattern pattern = Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(text) + "(?![0-9A-Za-z])");
        replacements.add(t -> pattern.matcher(t).replaceAll(Matcher.quoteReplacement(replacement)));
    }

    private static String sorted(String list, String separator) {
        return list.isEmpty() ? list : String.join(separator, new java.util.TreeSet<>(List.of(list.split(separator))));
    }

    String normalize(String text) {
        if (text.isEmpty()) {
            return text;
        }
        String result = text;
        for (UnaryOperator<String> r : replacements) {
            result = r.apply(result);
        }
        result = maskRemainingTtl(maskLeases(result));
        return EtcdctlOutput.canonicalTables(EtcdctlOutput.stripTrailingWhitespace(result), VOLATILE_COLUMNS);
    }

    /** Keys {@code <name>/<lease ID in hex>}, which {@code etcdctl lock} and {@code elect} create. */
    void keysNamedByLease(String name) {
        leaseKeys.add(Pattern.compile("(?<![^\\s\"/])" + Pattern.quote(name) + "/([0-9a-f]{1,16})(?![0-9A-Za-z])"));
    }

    /** {@code arg} with each {@code <lease-n>} replaced by the real ID, in hex as etcdctl takes it. */
    String withRealLeases(String arg) {
        return PLACEHOLDER.matcher(arg).replaceAll(m -> {
            int n = Integer.parseInt(m.group(1));
            if (n < 1 || n > leases.size()) {
                throw new IllegalArgumentException("<lease-" + n + "> used before " + n + " lease IDs were printed");
            }
            return Long.toHexString(leases.get(n - 1));
        });
    }

    private String maskLeases(String text) {
        learnLeases(text);
        String result = text;
        for (int i = 0; i < leases.size(); i++) {
            long id = leases.get(i);
            String placeholder = "<lease-" + (i + 1) + ">";
            for (String form : List.of(String.format("%016x", id), Long.toHexString(id), Long.toString(id))) {
                if (form.length() >= SHORTEST_MASKED_ID) {
                    Pattern word = Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(form) + "(?![0-9A-Za-z])");
                    result = word.matcher(result).replaceAll(placeholder);
                }
            }
        }
        return result;
    }

    /** Adds the IDs that appear in {@code text} for the first time, in the order they appear. */
    private void learnLeases(String text) {
        TreeMap<Integer, Long> byPosition = new TreeMap<>();
        collect(LEASE_WORD.matcher(text), 16, byPosition);
        collect(LEASE_JSON.matcher(text), 10, byPosition);
        for (Pattern key : leaseKeys) {
            collect(key.matcher(text), 16, byPosition);
        }
        Matcher list = LEASE_LIST.matcher(text);
        if (list.find()) {
            int at = list.start(1);
            for (String line : list.group(1).split("\n")) {
                if (!line.isEmpty()) {
                    byPosition.put(at, Long.parseUnsignedLong(line, 16));
                }
                at += line.length() + 1;
            }
        }
        for (long id : byPosition.values()) {
            if (!leases.contains(id)) {
                leases.add(id);
            }
        }
    }

    private static void collect(Matcher m, int radix, Map<Integer, Long> byPosition) {
        while (m.find()) {
            byPosition.put(m.start(1), Long.parseUnsignedLong(m.group(1), radix));
        }
    }

    private static String maskRemainingTtl(String text) {
        String result = REMAINING.matcher(text).replaceAll(m -> Matcher.quoteReplacement("TTL(" + m.group(1)
                + "s), remaining(" + drifting(m.group(2), m.group(1)) + "s)"));
        return REMAINING_JSON.matcher(result).replaceAll(m -> Matcher.quoteReplacement("\"ttl\":"
                + drifting(m.group(1), m.group(2)) + ",\"granted-ttl\":" + m.group(2)));
    }

    private static String drifting(String remaining, String granted) {
        long r = Long.parseLong(remaining);
        return r > 0 && r < Long.parseLong(granted) ? "<remaining>" : remaining;
    }

}
