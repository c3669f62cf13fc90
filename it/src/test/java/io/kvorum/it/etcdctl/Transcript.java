package io.kvorum.it.etcdctl;

import java.util.ArrayList;
import java.util.List;

/**
 * The normalized outcome of every step of a scenario, and its text form (the golden files):
 * <pre>
 * $ etcdctl get foo --prefix
 * in | (stdin line, if any)
 * out| (stdout line)
 * err| (stderr line)
 * exit 0
 * </pre>
 * Blocks are separated by a blank line.
 */
public record Transcript(List<Outcome> outcomes) {

    /** One step's command, exit code and normalized output. */
    public record Outcome(String command, String stdin, int exitCode, String stdout, String stderr) {

        String render() {
            StringBuilder out = new StringBuilder("$ etcdctl ").append(command).append('\n');
            prefixed(out, "in |", stdin);
            prefixed(out, "out|", stdout);
            prefixed(out, "err|", stderr);
            return out.append("exit ").append(exitCode).append('\n').toString();
        }

        private static void prefixed(StringBuilder out, String prefix, String text) {
            if (text.isEmpty()) {
                return;
            }
            String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            for (String line : body.split("\n", -1)) {
                out.append(prefix).append(line.isEmpty() ? "" : " " + line).append('\n');
            }
        }
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        for (Outcome o : outcomes) {
            out.append(o.render()).append('\n');
        }
        return out.toString();
    }

    public static Transcript parse(String text) {
        List<Outcome> outcomes = new ArrayList<>();
        String command = null;
        StringBuilder in = new StringBuilder();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("$ etcdctl ")) {
                command = line.substring("$ etcdctl ".length());
            } else if (line.startsWith("in |")) {
                in.append(body(line)).append('\n');
            } else if (line.startsWith("out|")) {
                out.append(body(line)).append('\n');
            } else if (line.startsWith("err|")) {
                err.append(body(line)).append('\n');
            } else if (line.startsWith("exit ")) {
                if (command == null) {
                    throw new IllegalArgumentException("'exit' without a '$ etcdctl' line");
                }
                outcomes.add(new Outcome(command, in.toString(), Integer.parseInt(line.substring(5).strip()),
                        out.toString(), err.toString()));
                command = null;
                in.setLength(0);
                out.setLength(0);
                err.setLength(0);
            } else if (!line.isBlank()) {
                throw new IllegalArgumentException("unexpected line in transcript: " + line);
            }
        }
        return new Transcript(List.copyOf(outcomes));
    }

    private static String body(String line) {
        String rest = line.substring(4);
        return rest.startsWith(" ") ? rest.substring(1) : rest;
    }
}
