package io.kvorum.server.v2http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * What Go's {@code http.ServeMux}, in front of etcd's v2 handlers, does with a path that is not
 * clean ({@code //}, {@code /./}, a trailing {@code /.}): it serves nothing and answers {@code 301
 * Moved Permanently} to the cleaned path, the query kept, with {@code http.Redirect}'s headers and
 * its small HTML body for GET. Armeria would serve such a path as if it were clean, so a PUT
 * etcd refuses to act on would change the store.
 *
 * <p>A path with a {@code ..} segment reaches this only through {@link DotDotPaths}: Armeria refuses
 * it as a request target, so it comes rewritten.
 */
final class CleanPath {
    private static final String HEX = "0123456789ABCDEF";

    private CleanPath() {
    }

    /**
     * The redirect etcd answers for {@code rawPathAndQuery} (the request target as sent), or empty
     * when its path is clean and is served.
     */
    static Optional<HttpResponse> redirect(String method, String rawPathAndQuery) {
        int q = rawPathAndQuery.indexOf('?');
        String rawPath = q < 0 ? rawPathAndQuery : rawPathAndQuery.substring(0, q);
        String rawQuery = q < 0 ? "" : rawPathAndQuery.substring(q + 1);
        Optional<String> decoded = unescape(rawPath);
        if (decoded.isEmpty()) {
            return Optional.empty();
        }
        String path = decoded.get();
        String clean = clean(path);
        if (clean.equals(path)) {
            return Optional.empty();
        }
        String location = escape(clean) + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
        return Optional.of(movedPermanently(method, location));
    }

    /** Go's {@code http.Redirect(w, r, location, 301)}: a body for GET only, a content type for GET and HEAD. */
    private static HttpResponse movedPermanently(String method, String location) {
        ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.MOVED_PERMANENTLY)
                .add(HttpHeaderNames.LOCATION, location);
        boolean get = method.equals("GET");
        if (get || method.equals("HEAD")) {
            headers.contentType(MediaType.HTML_UTF_8);
        }
        if (!get) {
            return HttpResponse.of(headers.build());
        }
        return HttpResponse.of(headers.build(),
                HttpData.ofUtf8("<a href=\"" + htmlEscape(location) + "\">Moved Permanently</a>.\n\n"));
    }

    /** Go's {@code cleanPath}: {@code path.Clean} of the rooted path, with a trailing slash kept. */
    static String clean(String p) {
        if (p.isEmpty()) {
            return "/";
        }
        if (p.charAt(0) != '/') {
            p = "/" + p;
        }
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                segments.pollLast();
            } else {
                segments.addLast(segment);
            }
        }
        String np = "/" + String.join("/", segments);
        if (p.endsWith("/") && !np.equals("/")) {
            np += "/";
        }
        return np;
    }

    /** The path as Go's {@code url.URL.Path} holds it: percent escapes decoded as UTF-8 bytes; empty when malformed. */
    private static Optional<String> unescape(String raw) {
        if (raw.indexOf('%') < 0) {
            return Optional.of(raw);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '%') {
                out.write(bytes[i]);
                continue;
            }
            if (i + 2 >= bytes.length) {
                return Optional.empty();
            }
            int hi = Character.digit(bytes[i + 1], 16);
            int lo = Character.digit(bytes[i + 2], 16);
            if (hi < 0 || lo < 0) {
                return Optional.empty();
            }
            out.write(hi << 4 | lo);
            i += 2;
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    /** Go's {@code url.PathEscape}-like {@code escape(path, encodePath)}: what {@code url.URL.String} writes for a path. */
    static String escape(String path) {
        StringBuilder out = new StringBuilder(path.length());
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_.~$&+,/:;=@".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
            }
        }
        return out.toString();
    }

    private static String htmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }
}
