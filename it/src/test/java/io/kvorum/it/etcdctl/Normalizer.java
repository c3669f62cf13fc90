package io.kvorum.it.etcdctl;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 */
final class Normalizer {
    private static final Set<String> VOLATILE_COLUMNS =
            Set.of("VERSION", "DB SIZE", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "TOOK");

    private final List<Replacement> replacements = new ArrayList<>();

    private record Replacement(Pattern pattern, String replacement) {
    }

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
            regex("\"" + field + "\":\\d+", "\"" + field + "\":<" + field + ">");
        }
        regex("\"RaftTerm\" : \\d+", "\"RaftTerm\" : <raft_term>");
        // server version (a string); a key's version is a number and stays
        regex("\"version\":\"[^\"]*\"", "\"version\":\"<version>\"");
        regex("\"took\":\"[^\"]*\"", "\"took\":\"<took>\"");
        regex("took = \\S+", "took = <took>");
        // endpoint status, simple format: endpoint, ID, version, db size, leader, learner, term, index, applied, errors
        regex("^(\\S+, \\S+, )[^,]+, [^,]+, (true|false), (true|false), \\d+, \\d+, \\d+, ",
                "$1<version>, <db-size>, $2, $3, <raft-term>, <raft-index>, <raft-applied-index>, ");
    }

    private void regex(String regex, String replacement) {
        replacements.add(new Replacement(Pattern.compile(regex, Pattern.MULTILINE), replacement));
    }

    private void literal(String text, String replacement) {
        replacements.add(new Replacement(Pattern.compile(Pattern.quote(text)), Matcher.quoteReplacement(replacement)));
    }

    private void word(String text, String replacement) {
        replacements.add(new Replacement(
                Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(text) + "(?![0-9A-Za-z])"),
                Matcher.quoteReplacement(replacement)));
    }

    String normalize(String text) {
        if (text.isEmpty()) {
            return text;
        }
        String result = text;
        for (Replacement r : replacements) {
            result = r.pattern().matcher(result).replaceAll(r.replacement());
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
                        if (VOLATILE_COLUMNS.contains(header.get(i))) {
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
