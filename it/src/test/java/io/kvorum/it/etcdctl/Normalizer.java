package io.kvorum.it.etcdctl;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks what legitimately differs between two servers running the same steps, so that the rest
 * can be compared byte for byte: the endpoint and peer addresses, member and cluster IDs (decimal
 * in JSON, hex in tables and simple output), raft term and indexes, server version, database size,
 * {@code took} durations, and the timestamp and connection id in etcdctl's retry log lines. Table
 * output is re-rendered without padding, since masked cells change the column widths. Trailing
 * whitespace is dropped from every line. Everything else — keys, values, revisions, counts, error
 * texts and gRPC codes — stays as printed.
 *
 * <p>A masked raft term or index that is zero stays visible, in every format alike: JSON leaves
 * zero fields out anyway, and a member reporting term or index 0 is not what etcd reports.
 */
final class Normalizer {
    private static final Set<String> VOLATILE_COLUMNS =
            Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "TOOK");

    /** endpoint status, simple format: endpoint, ID, version, db size, leader, learner, term, index, applied, errors. */
    private static final Pattern STATUS_LINE = Pattern.compile(
            "^(\\S+, \\S+, )[^,]+, [^,]+, (true|false), (true|false), (\\d+), (\\d+), (\\d+), ", Pattern.MULTILINE);

    private final List<UnaryOperator<String>> replacements = new ArrayList<>();

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
        replacements.add(text -> STATUS_LINE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1) + "<version>, <db-size>, " + m.group(2) + ", " + m.group(3) + ", "
                        + nonZero(m.group(4), "<raft-term>") + ", " + nonZero(m.group(5), "<raft-index>") + ", "
                        + nonZero(m.group(6), "<raft-applied-index>") + ", ")));
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

    private static String nonZero(String number, String mask) {
        return number.equals("0") ? number : mask;
    }

    String normalize(String text) {
        if (text.isEmpty()) {
            return text;
        }
        String result = text;
        for (UnaryOperator<String> r : replacements) {
            result = r.apply(result);
        }
        return canonicalTables(stripTrailingWhitespace(result));
    }

    private static String stripTrailingWhitespace(String text) {
        return text.lines().map(String::stripTrailing).reduce(new StringBuilder(),
                (sb, line) -> sb.append(line).append('\n'), StringBuilder::append).toString();
    }

    /** Tables as {@code | a | b |} rows without padding, volatile columns masked, borders as {@code +}. */
    private static String canonicalTables(String text) {
        StringBuilder out = new StringBuilder();
        List<String> header = null;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("+") && line.endsWith("+") && line.matches("[+-]+")) {
                out.append("+\n");
                continue;
            }
            if (line.startsWith("|") && line.endsWith("|") && line.length() > 1) {
                List<String> cells = new ArrayList<>();
                for (String cell : line.substring(1, line.length() - 1).split("\\|", -1)) {
                    cells.add(cell.strip());
                }
                if (header == null) {
                    header = cells;
                } else {
                    for (int i = 0; i < cells.size() && i < header.size(); i++) {
                        if (VOLATILE_COLUMNS.contains(header.get(i)) && !cells.get(i).equals("0")) {
                            cells.set(i, "<" + header.get(i).toLowerCase().replace(' ', '-') + ">");
                        }
                    }
                }
                out.append("| ").append(String.join(" | ", cells)).append(" |\n");
                continue;
            }
            header = null;
            out.append(line).append('\n');
        }
        String result = out.toString();
        // split(-1) adds one empty element after the final newline
        return result.endsWith("\n\n") ? result.substring(0, result.length() - 1) : result;
    }
}
