package io.kvorum.it.etcdctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An etcdctl scenario: {@code src/test/resources/etcdctl/<name>.script}. One step per line, written
 * as the arguments after {@code etcdctl} with shell-like quoting ({@code get '' --prefix}); a step
 * ending in {@code <<EOF} takes the following lines up to {@code EOF} as its stdin (for
 * {@code txn}). Blank lines and lines starting with {@code #} are comments.
 *
 * <p>Long-running commands ({@code watch}, {@code lock}, {@code elect}, {@code lease keep-alive})
 * run in the background while later steps run:
 * <pre>
 * watch k --prefix &amp;w     start etcdctl in the background, named w (once it is connected)
 * await w lines 3          until w has printed 3 lines in all (or ended); show what is new
 * await w exit             until w ends by itself; show what is new and its exit code
 * peek w                   show what w printed since the last look, without waiting
 * stop w                   SIGINT (or {@code stop w TERM}: SIGTERM), wait until it ends, show the rest
 * sleep 1.5                pause, where only time can show that nothing happens (a lock still held)
 * </pre>
 * A lease ID the server made up appears in output as {@code <lease-1>}, {@code <lease-2>}… (see
 * {@link Normalizer}); the same placeholder in a step's arguments stands for the real ID.
 */
public record Script(String name, List<Step> steps) {
    private static final Pattern BACKGROUND = Pattern.compile("&([a-z][a-z0-9-]*)");

    /** One line of a script. */
    public sealed interface Step permits Run, Start, Await, Peek, Stop, Sleep {
        /** The step as a shell would show it: {@code etcdctl get k}, {@code await w lines 3}. */
        String command();
    }

    /** {@code etcdctl <args>} fed {@code stdin}, run to its end. */
    public record Run(String line, List<String> args, String stdin) implements Step {
        @Override
        public String command() {
            return "etcdctl " + line;
        }
    }

    /** {@code etcdctl <args>} started in the background under {@code name}. */
    public record Start(String line, String name, List<String> args) implements Step {
        @Override
        public String command() {
            return "etcdctl " + line;
        }
    }

    /** Waits until background {@code name} has printed {@code lines} lines in all, or (empty) has ended. */
    public record Await(String command, String name, OptionalInt lines) implements Step {
    }

    /** Shows what background {@code name} printed since the last look. */
    public record Peek(String command, String name) implements Step {
    }

    /** Sends background {@code name} {@code signal} ({@code INT} or {@code TERM}) and waits until it ends. */
    public record Stop(String command, String name, String signal) implements Step {
    }

    /** Pauses the script. */
    public record Sleep(String command, Duration duration) implements Step {
    }

    public static Script load(String name) {
        String resource = "/etcdctl/" + name + ".script";
        try (InputStream in = Script.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no scenario " + resource + " on the test class path");
            }
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Script parse(String name, String text) {
        List<Step> steps = new ArrayList<>();
        Set<String> started = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String stdin = "";
            int heredoc = line.lastIndexOf("<<");
            if (heredoc >= 0 && line.substring(heredoc + 2).matches("[A-Z]+")) {
                String marker = line.substring(heredoc + 2);
                line = line.substring(0, heredoc).strip();
                StringBuilder body = new StringBuilder();
                int j = i + 1;
                while (j < lines.length && !lines[j].equals(marker)) {
                    body.append(lines[j]).append('\n');
                    j++;
                }
                if (j == lines.length) {
                    throw new IllegalArgumentException(name + ": unterminated <<" + marker + " at line " + (i + 1));
                }
                stdin = body.toString();
                i = j;
            }
            try {
                steps.add(step(line, split(line), stdin, started));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ", line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return new Script(name, List.copyOf(steps));
    }

    private static Step step(String line, List<String> words, String stdin, Set<String> started) {
        String verb = words.isEmpty() ? "" : words.get(0);
        switch (verb) {
            case "await" -> {
                String name = startedName(words, started, line);
                if (words.size() == 3 && words.get(2).equals("exit")) {
                    return new Await(line, name, OptionalInt.empty());
                }
                if (words.size() == 4 && words.get(2).equals("lines") && words.get(3).matches("\\d+")) {
                    return new Await(line, name, OptionalInt.of(Integer.parseInt(words.get(3))));
                }
                throw new IllegalArgumentException("expected 'await <name> lines <n>' or 'await <name> exit': " + line);
            }
            case "peek" -> {
                return new Peek(line, startedName(words, started, line));
            }
            case "stop" -> {
                String name = startedName(words, started, line);
                String signal = words.size() > 2 ? words.get(2) : "INT";
                if (words.size() > 3 || !(signal.equals("INT") || signal.equals("TERM"))) {
                    throw new IllegalArgumentException("expected 'stop <name> [INT|TERM]': " + line);
                }
                return new Stop(line, name, signal);
            }
            case "sleep" -> {
                if (words.size() != 2 || !words.get(1).matches("\\d+(\\.\\d+)?")) {
                    throw new IllegalArgumentException("expected 'sleep <seconds>': " + line);
                }
                return new Sleep(line, Duration.ofMillis(Math.round(Double.parseDouble(words.get(1)) * 1000)));
            }
            default -> {
                Matcher background = words.isEmpty() ? null : BACKGROUND.matcher(words.get(words.size() - 1));
                if (background != null && background.matches()) {
                    if (!stdin.isEmpty()) {
                        throw new IllegalArgumentException("a background step takes no stdin: " + line);
                    }
                    if (!started.add(background.group(1))) {
                        throw new IllegalArgumentException("a background step named " + background.group(1)
                                + " was started before: " + line);
                    }
                    return new Start(line, background.group(1), words.subList(0, words.size() - 1));
                }
                return new Run(line, words, stdin);
            }
        }
    }

    private static String startedName(List<String> words, Set<String> started, String line) {
        if (words.size() < 2 || !started.contains(words.get(1))) {
            throw new IllegalArgumentException("no background step of that name was started before: " + line);
        }
        return words.get(1);
    }

    /** Splits like a POSIX shell: 'single' and "double" quotes, backslash escapes; '' is an empty word. */
    static List<String> split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated ' in: " + line);
                }
                word.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == '"') {
                i++;
                while (i < line.length() && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < line.length()) {
                        i++;
                    }
                    word.append(line.charAt(i));
                    i++;
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated \" in: " + line);
                }
                inWord = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }
}
