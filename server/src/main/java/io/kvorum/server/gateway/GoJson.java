package io.kvorum.server.gateway;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Splits a request body into its JSON values as Go's {@code json.Decoder} reads them, which etcd's
 * gateway uses: values one after the other, whitespace between them, each value ending where Go's
 * decoder stops (an object at its closing brace, whatever follows). Malformed JSON fails with
 * Go's words ({@code invalid character '}' looking for beginning of object key string},
 * {@code unexpected EOF}), which etcd's gateway answers with, instead of the JSON library's.
 */
final class GoJson {

    /** Malformed JSON, with Go's message. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String message) {
            super(message);
        }
    }

    /** Go's {@code maxNestingDepth}. */
    private static final int MAX_DEPTH = 10000;

    private enum Container {
        OBJECT_KEY, OBJECT_VALUE, ARRAY
    }

    private GoJson() {
    }

    /**
     * The values of {@code body}, each as its bytes; none for a body of whitespace only.
     *
     * @param firstOnly read the first value alone, as a unary call's decoder does (what follows it is never read)
     */
    static List<byte[]> values(byte[] body, boolean firstOnly) throws SyntaxException {
        List<byte[]> values = new ArrayList<>();
        int at = skipSpace(body, 0);
        while (at < body.length && !(firstOnly && !values.isEmpty())) {
            int end = new Scanner(body, at).scanValue();
            values.add(Arrays.copyOfRange(body, at, end));
            at = skipSpace(body, end);
        }
        return values;
    }

    /** What Go calls a value of this first byte, for "cannot unmarshal X into ..." messages. */
    static String kind(byte first) {
        return switch (first) {
            case '{' -> "object";
            case '[' -> "array";
            case '"' -> "string";
            case 't', 'f' -> "bool";
            case 'n' -> "null";
            default -> "number";
        };
    }

    private static int skipSpace(byte[] body, int at) {
        while (at < body.length && isSpace(body[at])) {
            at++;
        }
        return at;
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** Go's scanner ({@code encoding/json/scanner.go}), over one value. */
    private static final class Scanner {
        private final byte[] in;
        private int at;
        private final Deque<Container> stack = new ArrayDeque<>();

        Scanner(byte[] in, int at) {
            this.in = in;
            this.at = at;
        }

        /** The index after the value that starts at {@code at}. */
        int scanValue() throws SyntaxException {
            value();
            return at;
        }

        private int next() throws SyntaxException {
            if (at >= in.length) {
                throw new SyntaxException("unexpected EOF");
            }
            return in[at++] & 0xff;
        }

        private int nextNonSpace() throws SyntaxException {
            int c = next();
            while (isSpace(c)) {
                c = next();
            }
            return c;
        }

        /** A value, then what may follow it in its container; returns at the end of the top value. */
        private void value() throws SyntaxException {
            int c = nextNonSpace();
            while (true) {
                boolean scalarEnded = beginValue(c);
                // after a value: close containers, or move on to the next element
                c = -1;
                while (true) {
                    if (stack.isEmpty()) {
                        if (scalarEnded) {
                            endTop();
                        }
                        return;
                    }
                    int d = scalarEnded && c == -1 ? pending : nextNonSpace();
                    scalarEnded = false;
                    if (isSpace(d)) {
                        d = nextNonSpace();
                    }
                    Container top = stack.peek();
                    if (top == Container.OBJECT_KEY) {
                        if (d != ':') {
                            throw error(d, "after object key");
                        }
                        stack.pop();
                        stack.push(Container.OBJECT_VALUE);
                        c = nextNonSpace();
                        break;
                    } else if (top == Container.OBJECT_VALUE) {
                        if (d == ',') {
                            stack.pop();
                            stack.push(Container.OBJECT_KEY);
                            beginKey(nextNonSpace());
                            continue;
                        }
                        if (d == '}') {
                            stack.pop();
                            continue;
                        }
                        throw error(d, "after object key:value pair");
                    } else {
                        if (d == ',') {
                            c = nextNonSpace();
                            break;
                        }
                        if (d == ']') {
                            stack.pop();
                            continue;
                        }
                        throw error(d, "after array element");
                    }
                }
            }
        }

        /** The byte that ended a number (Go learns that a number ended from the byte after it). */
        private int pending;

        /**
         * Starts a value at {@code c}: a string or a literal is read whole, a number up to the
         * byte after it (kept in {@link #pending}; true is returned), a container is opened.
         */
        private boolean beginValue(int c) throws SyntaxException {
            while (c == '[') { // arrays in arrays, without recursion
                push(Container.ARRAY, c);
                int d = nextNonSpace();
                if (d == ']') {
                    stack.pop();
                    return false; // an empty array: the caller moves past it
                }
                c = d;
            }
            switch (c) {
                case '{' -> {
                    push(Container.OBJECT_KEY, c);
                    int d = nextNonSpace();
                    if (d == '}') {
                        stack.pop();
                        return false; // an empty object: the caller moves past it
                    }
                    beginKey(d);
                    return false;
                }
                case '"' -> {
                    string();
                    return false;
                }
                case 't' -> {
                    literal("true");
                    return false;
                }
                case 'f' -> {
                    literal("false");
                    return false;
                }
                case 'n' -> {
                    literal("null");
                    return false;
                }
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        number(c);
                        return true;
                    }
                    throw error(c, "looking for beginning of value");
                }
            }
        }

        /** Go's {@code pushParseState}, with its limit on nesting. */
        private void push(Container container, int c) throws SyntaxException {
            stack.push(container);
            if (stack.size() > MAX_DEPTH) {
                throw error(c, "exceeded max depth");
            }
        }

        private void beginKey(int c) throws SyntaxException {
            if (c != '"') {
                throw error(c, "looking for beginning of object key string");
            }
            string();
        }

        private void string() throws SyntaxException {
            while (true) {
                int c = next();
                if (c == '"') {
                    return;
                }
                if (c == '\\') {
                    int e = next();
                    switch (e) {
                        case 'b', 'f', 'n', 'r', 't', '\\', '/', '"' -> {
                        }
                        case 'u' -> {
                            for (int i = 0; i < 4; i++) {
                                int h = next();
                                if (Character.digit(h, 16) < 0) {
                                    throw error(h, "in \\u hexadecimal character escape");
                                }
                            }
                        }
                        default -> throw error(e, "in string escape code");
                    }
                } else if (c < 0x20) {
                    throw error(c, "in string literal");
                }
            }
        }

        private void literal(String word) throws SyntaxException {
            for (int i = 1; i < word.length(); i++) {
                int c = next();
                if (c != word.charAt(i)) {
                    throw error(c, "in literal " + word + " (expecting '" + word.charAt(i) + "')");
                }
            }
        }

        /** A number from its first byte; {@link #pending} gets the byte after it (a space at the end of the body). */
        private void number(int c) throws SyntaxException {
            if (c == '-') {
                c = next();
                if (!isDigit(c)) {
                    throw error(c, "in numeric literal");
                }
            }
            boolean leadingZero = c == '0'; // Go ends the integer part after a leading 0
            c = nextOrSpace();
            while (!leadingZero && isDigit(c)) {
                c = nextOrSpace();
            }
            if (c == '.') {
                c = next();
                if (!isDigit(c)) {
                    throw error(c, "after decimal point in numeric literal");
                }
                c = digits();
            }
            if (c == 'e' || c == 'E') {
                c = next();
                if (c == '+' || c == '-') {
                    c = next();
                }
                if (!isDigit(c)) {
                    throw error(c, "in exponent of numeric literal");
                }
                c = digits();
            }
            pending = c;
        }

        /** Past the digits that follow one already read; the byte after them. */
        private int digits() {
            int c = nextOrSpace();
            while (isDigit(c)) {
                c = nextOrSpace();
            }
            return c;
        }

        private static boolean isDigit(int c) {
            return c >= '0' && c <= '9';
        }

        /** The next byte, or a space past the end: at the end of the body a number is complete. */
        private int nextOrSpace() {
            if (at >= in.length) {
                return ' ';
            }
            return in[at++] & 0xff;
        }

        /** After a top-level number: only whitespace may follow it directly. */
        private void endTop() throws SyntaxException {
            if (!isSpace(pending)) {
                throw error(pending, "after top-level value");
            }
        }

        private static SyntaxException error(int c, String context) {
            return new SyntaxException("invalid character " + quoteChar(c) + " " + context);
        }
    }

    /** Go's {@code quoteChar}: the byte as a rune, quoted as {@code strconv.Quote} would, in single quotes. */
    static String quoteChar(int c) {
        if (c == '\'') {
            return "'\\''";
        }
        if (c == '"') {
            return "'\"'";
        }
        String body = switch (c) {
            case 7 -> "\\a";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case 11 -> "\\v";
            case '\\' -> "\\\\";
            default -> {
                if (c < 0x20 || c == 0x7f) {
                    yield String.format("\\x%02x", c);
                }
                if (c >= 0x80 && c <= 0xa0 || c == 0xad) {
                    yield String.format("\\u%04x", c);
                }
                yield new String(Character.toChars(c));
            }
        };
        return "'" + body + "'";
    }
}
