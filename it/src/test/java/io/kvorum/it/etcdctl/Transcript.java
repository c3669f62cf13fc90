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
 * Blocks are separated by a blank line. A step on a background etcdctl ({@code await w lines 3})
 * shows what it printed since the last look, and ends in {@code exit <code>} once it has ended,
 * {@code running} while it runs, or {@code timed out} when what the step waited for never came.
 */
public record Transcript(List<Outcome> outcomes) {

    /**
     * One step's command (as a shell would show it, e.g. {@code etcdctl get k}), exit code and
     * normalized output.
     *
     * @param exitCode the exit code, or {@link #RUNNING}, or {@link #TIMED_OUT}
     */
    public record Outcome(String command, String stdin, int exitCode, String stdout, String stderr) {
        /** The background etcdctl still runs. */
        public static final int RUNNING = -1;
        /** What the step waited for did not happen in time. */
        public static final int TIMED_OUT = -2;

        String render() {
            StringBuilder out = new StringBuilder("$ ").append(command).append('\n');
            prefixed(out, "in |", stdin);
            prefixed(out, "out|", stdout);
            prefixed(out, "err|", stderr);
            return out.append(status()).append('\n').toString();
        }

        private String status() {
            return switch (exitCode) {
                case RUNNING -> "running";
                case TIMED_OUT -> "timed out";
                default -> "exit " + exitCode;
            };
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
            if (line.startsWith("$ ")) {
                command = line.substring("$ ".length());
            } else if (line.startsWith("in |")) {
                in.append(body(line)).append('\n');
            } else if (line.startsWith("out|")) {
                out.append(body(line)).append('\n');
            } else if (line.startsWith("err|")) {
                err.append(body(line)).append('\n');
            } else if (line.startsWith("exit ") || line.equals("running") || line.equals("timed out")) {
                if (command == null) {
                    throw new IllegalArgumentException("'" + line + "' without a '$ ' line");
                }
                int exitCode = switch (line) {
                    case "running" -> Outcome.RUNNING;
                    case "timed out" -> Outcome.TIMED_OUT;
                    default -> Integer.parseInt(line.substring(5).strip());
                };
                outcomes.add(new Outcome(command, in.toString(), exitCode, out.toString(), err.toString()));
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
