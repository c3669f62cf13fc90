package io.kvorum.server.v2http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request's form as Go's {@code Request.ParseForm} builds it, which etcd's v2 handlers read:
 * the url-encoded body of a POST, PUT or PATCH first, then the query; each value decoded
 * ({@code +} is a space). A malformed escape or a semicolon makes the parse fail with Go's
 * words, the values before it kept.
 */
final class GoForm {
    /** Go's {@code maxFormSize}: a larger url-encoded body is "http: POST too large". */
    static final int MAX_FORM_BYTES = 10 << 20;

    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private String error;

    private GoForm() {
    }

    /**
     * @param body the body, or null when it was larger than {@link #MAX_FORM_BYTES}
     */
    static GoForm parse(String method, String contentType, byte[] body, String rawQuery) {
        GoForm form = new GoForm();
        if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            String type = contentType == null || contentType.isBlank() ? "application/octet-stream"
                    : contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
            if (type.equals("application/x-www-form-urlencoded")) {
                if (body == null) {
                    form.error = "http: POST too large";
                } else {
                    form.add(new String(body, StandardCharsets.ISO_8859_1));
                }
            }
        }
        if (rawQuery != null) {
            form.add(rawQuery);
        }
        return form;
    }

    /** Go's {@code ParseForm} error, if any. */
    Optional<String> error() {
        return Optional.ofNullable(error);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** Go's {@code FormValue}: the first value, or empty. */
    String first(String key) {
        List<String> v = values.get(key);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    /** Go's {@code url.ParseQuery}, adding to what is there and keeping the first error. */
    private void add(String query) {
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            if (pair.contains(";")) {
                setError("invalid semicolon separator in query");
                continue;
            }
            int eq = pair.indexOf('=');
            String rawKey = eq < 0 ? pair : pair.substring(0, eq);
            String rawValue = eq < 0 ? "" : pair.substring(eq + 1);
            String key = unescape(rawKey);
            if (key == null) {
                continue;
            }
            String value = unescape(rawValue);
            if (value == null) {
                continue;
            }
            values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
    }

    private void setError(String message) {
        if (error == null) {
            error = message;
        }
    }

    /** Go's {@code QueryUnescape} over the bytes; null (and the error kept) for a bad escape. */
    private String unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
                    String bad = s.substring(i, Math.min(i + 3, s.length()));
                    setError("invalid URL escape \"" + bad + "\"");
                    return null;
                }
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 2;
            } else if (c == '+') {
                out.write(' ');
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Go's {@code strconv.ParseBool}. */
    static Optional<Boolean> parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "TRUE", "true", "True" -> Optional.of(true);
            case "0", "f", "F", "FALSE", "false", "False" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    /** Go's {@code strconv.ParseUint(s, 10, 64)}, as a signed long holding the bits. */
    static Optional<Long> parseUint(String s) {
        if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseUnsignedLong(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
