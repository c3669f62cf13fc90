package io.kvorum.it.etcdctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An etcdctl scenario: {@code src/test/resources/etcdctl/<name>.script}. One step per line, written
 * as the arguments after {@code etcdctl} with shell-like quoting ({@code get '' --prefix}); a step
 * ending in {@code <<EOF} takes the following lines up to {@code EOF} as its stdin (for
 * {@code txn}). Blank lines and lines starting with {@code #} are comments.
 */
public record Script(String name, List<Step> steps) {

    /** One etcdctl invocation. {@code command} is the line as written (without the heredoc marker). */
    public record Step(String command, List<String> args, String stdin) {
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
            steps.add(new Step(line, split(line), stdin));
        }
        return new Script(name, List.copyOf(steps));
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
