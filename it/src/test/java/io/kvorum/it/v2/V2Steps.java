package io.kvorum.it.v2;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs v2 steps against one server and writes down what a client sees, in a form that is equal
 * for two servers that behave alike: HTTP status, content type, which of etcd's headers are
 * there, the body, and by how much the store index moved; etcdctl's (v2) stdout, stderr and
 * exit code. Indexes, times, ids and URLs, which differ from server to server, are normalized.
 */
final class V2Steps {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<Map.Entry<Pattern, String>> NORMAL = List.of(
            Map.entry(Pattern.compile("\"(modifiedIndex|createdIndex|index)\":\\d+"), "\"$1\":<n>"),
            Map.entry(Pattern.compile("\"expiration\":\"[^\"]+\""), "\"expiration\":\"<time>\""),
            Map.entry(Pattern.compile("/\\d{20}"), "/<seq>"),
            Map.entry(Pattern.compile("\\[\\d+ != \\d+\\]"), "[<n> != <n>]"),
            Map.entry(Pattern.compile("cleared \\[\\d+/\\d+\\]"), "cleared [<n>/<n>]"),
            Map.entry(Pattern.compile("\\) \\[\\d+\\]"), ") [<n>]"),
            Map.entry(Pattern.compile("\\b[0-9a-f]{12,16}\\b"), "<id>"));

    private final URI client;
    private final Path etcdctl;
    private final List<String> transcript = new ArrayList<>();
    private long lastIndex = -1;

    V2Steps(URI client, Path etcdctl) {
        this.client = client;
        this.etcdctl = etcdctl;
    }

    List<String> transcript() {
        return transcript;
    }

    /** The store index now, from a read of the root. */
    long index() {
        return Long.parseLong(send("GET", "/v2/keys/", null, null).headers().firstValue("x-etcd-index").orElseThrow());
    }

    /** A request; {@code form} as url-encoded body (null for none). */
    void http(String method, String pathAndQuery, String form) {
        record(method + " " + pathAndQuery + (form == null ? "" : " <- " + abbreviate(form)),
                send(method, pathAndQuery, form, form == null ? null : "application/x-www-form-urlencoded"));
    }

    /** A request as {@code user:password} (basic auth); {@code body} JSON, or null for none. */
    void httpAs(String credentials, String method, String pathAndQuery, String body) {
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(client.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .header("Authorization", basic).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            record(credentials + " " + method + " " + pathAndQuery + (body == null ? "" : " <- " + body),
                    HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new AssertionError(method + " " + pathAndQuery + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A request with {@code body} of {@code contentType}. */
    void httpTyped(String method, String pathAndQuery, String body, String contentType) {
        record(method + " " + pathAndQuery + " <- " + contentType + " " + body,
                send(method, pathAndQuery, body, contentType));
    }

    /** {@code n} writes of {@code path}, left out of the transcript (but for how far the index moved). */
    void repeat(String path, int n) {
        HttpResponse<String> last = null;
        for (int i = 0; i < n; i++) {
            last = send("PUT", path, "value=" + i, "application/x-www-form-urlencoded");
        }
        record(n + " x PUT " + path, last);
    }

    /** A request whose body is {@code bytes} of form data (too large for the transcript). */
    void httpBody(String method, String pathAndQuery, byte[] bytes, String note) {
        HttpResponse<String> r = sendBytes(method, pathAndQuery, bytes, "application/x-www-form-urlencoded");
        record(method + " " + pathAndQuery + " <- " + note, r);
    }

    /** Starts a watch request; recorded by {@link #await}. */
    CompletableFuture<HttpResponse<String>> startWatch(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(client.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .GET().build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    void await(String label, CompletableFuture<HttpResponse<String>> watch) {
        HttpResponse<String> r = watch.orTimeout(30, TimeUnit.SECONDS).join();
        transcript.add("WATCH " + label + " -> " + r.statusCode() + " " + r.headers().firstValue("content-type")
                .orElse("") + " " + etcdHeaders(r) + "\n" + normalize(r.body()));
    }

    /** {@code ETCDCTL_API=2 etcdctl <args>}. */
    void etcdctl(String... args) {
        transcript.add("$ etcdctl " + String.join(" ", args) + "\n" + run(args));
    }

    /** Starts {@code etcdctl <args>} (a watch); recorded by {@link #awaitEtcdctl}. */
    CompletableFuture<String> startEtcdctl(String... args) {
        return CompletableFuture.supplyAsync(() -> run(args));
    }

    void awaitEtcdctl(String label, CompletableFuture<String> running) {
        transcript.add("$ etcdctl " + label + "\n" + running.orTimeout(40, TimeUnit.SECONDS).join());
    }

    private String run(String... args) {
        List<String> command = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints", client.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("etcdctl-v2", ".out");
            Path err = Files.createTempFile("etcdctl-v2", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                builder.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_") || k.startsWith("ETCD_"));
                builder.environment().put("ETCDCTL_API", "2");
                Process p = builder.start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("etcdctl did not finish within 30 s: " + command);
                }
                return "exit " + p.exitValue() + "\n" + normalize(Files.readString(out)) + "stderr: "
                        + normalize(Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void record(String step, HttpResponse<String> r) {
        String moved = "";
        String index = r.headers().firstValue("x-etcd-index").orElse(null);
        if (index != null) {
            long now = Long.parseLong(index);
            if (now == 0) {
                moved = " index=0"; // a malformed request: etcd answers before looking at the store
            } else {
                // an error's index is the store's; a change's moves it on by one
                moved = lastIndex < 0 ? "" : " index+" + (now - lastIndex);
                lastIndex = now;
            }
        }
        String label = step.replaceAll("waitIndex=\\d+", "waitIndex=<n>");
        transcript.add(label + " -> " + r.statusCode() + " " + r.headers().firstValue("content-type").orElse("")
                + " " + etcdHeaders(r) + moved + "\n" + normalize(r.body()));
    }

    private static String etcdHeaders(HttpResponse<String> r) {
        StringBuilder s = new StringBuilder("[");
        for (String h : List.of("x-etcd-index", "x-raft-index", "x-raft-term", "x-etcd-cluster-id", "allow")) {
            if (r.headers().firstValue(h).isPresent()) {
                s.append(h.equals("allow") ? "allow=" + r.headers().firstValue(h).get() : h).append(' ');
            }
        }
        return s.toString().trim() + "]";
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String form, String contentType) {
        return sendBytes(method, pathAndQuery, form == null ? null : form.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private HttpResponse<String> sendBytes(String method, String pathAndQuery, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(client.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " " + pathAndQuery + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private String normalize(String text) {
        String s = text.replace(client.toString().replaceAll("/$", ""), "<client>")
                .replaceAll("http://127\\.0\\.0\\.1:\\d+", "<peer>");
        for (Map.Entry<Pattern, String> e : NORMAL) {
            s = e.getKey().matcher(s).replaceAll(e.getValue());
        }
        return s;
    }

    private static String abbreviate(String form) {
        return form.length() > 80 ? form.substring(0, 80) + "..." : form;
    }
}
