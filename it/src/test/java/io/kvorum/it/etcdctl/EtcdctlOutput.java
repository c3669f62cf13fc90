package io.kvorum.it.etcdctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of etcdctl's output that every comparison masks or re-renders alike: the volatile
 * fields of {@code endpoint status} lines, trailing whitespace, and tables (whose column widths
 * change once cells are masked).
 */
public final class EtcdctlOutput {
    /** endpoint status, simple format: endpoint, ID, version, db size, leader, learner, term, index, applied, errors. */
    private static final Pattern STATUS_LINE = Pattern.compile(
            "^(\\S+, \\S+, )[^,]+, [^,]+, (true|false), (true|false), (\\d+), (\\d+), (\\d+), ", Pattern.MULTILINE);

    private EtcdctlOutput() {
    }

    /** Masks version, db size and (unless zero) raft term and indexes in {@code endpoint status} lines. */
    public static String maskStatusLines(String text) {
        return STATUS_LINE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                m.group(1) + "<version>, <db-size>, " + m.group(2) + ", " + m.group(3) + ", "
                        + nonZero(m.group(4), "<raft-term>") + ", " + nonZero(m.group(5), "<raft-index>") + ", "
                        + nonZero(m.group(6), "<raft-applied-index>") + ", "));
    }

    /** Every line without its trailing whitespace, each ending in a newline. */
    public static String stripTrailingWhitespace(String text) {
        StringBuilder out = new StringBuilder();
        text.lines().forEach(line -> out.append(line.stripTrailing()).append('\n'));
        return out.toString();
    }

    /**
     * Tables as {@code | a | b |} rows without padding, the cells of {@code volatileColumns}
     * (by header) masked unless zero, borders as {@code +}.
     */
    public static String canonicalTables(String text, Set<String> volatileColumns) {
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
                        if (volatileColumns.contains(header.get(i)) && !cells.get(i).equals("0")) {
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

    private static String nonZero(String number, String mask) {
        return number.equals("0") ? number : mask;
    }
}
