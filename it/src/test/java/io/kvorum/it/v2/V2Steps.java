package io.kvorum.it.v2;

import io.kvorum.it.etcdctl.EtcdctlV2;
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
            Map.entry(Pattern.compile("\"(startTime|uptime)\":\"[^\"]+\""), "\"$1\":\"<time>\""),
            Map.entry(Pattern.compile("\"(recvAppendRequestCnt|sendAppendRequestCnt|current|average|standardDeviation"
                    + "|minimum|maximum|fail|success)\":[0-9.e+-]+"), "\"$1\":<n>"),
            Map.entry(Pattern.compile(",\"(recvPkgRate|recvBandwidthRate|sendPkgRate|sendBandwidthRate)\":[0-9.e+-]+"), ""),
            Map.entry(Pattern.compile("/\\d{20}"), "/<seq>"),
            Map.entry(Pattern.compile("\\[\\d+ != \\d+\\]"), "[<n> != <n>]"),
            Map.entry(Pattern.compile("cleared \\[\\d+/\\d+\\]"), "cleared [<n>/<n>]"),
            Map.entry(Pattern.compile("\\) \\[\\d+\\]"), ") [<n>]"),
            Map.entry(Pattern.compile("\\b[0-9a-f]{12,16}\\b"), "<id>"));

    private final URI client;
    private final Path etcdctl;
    private final List<String> etcdctlFlags;
    private final List<String> transcript = new ArrayList<>();
    private long lastIndex = -1;

    V2Steps(URI client, Path etcdctl) {
        this(client, etcdctl, List.of());
    }

    /** With {@code etcdctlFlags} (e.g. TLS files) before every etcdctl command. */
    V2Steps(URI client, Path etcdctl, List<String> etcdctlFlags) {
        this.client = client;
        this.etcdctl = etcdctl;
        this.etcdctlFlags = List.copyOf(etcdctlFlags);
    }

    List<String> transcript() {
        return transcript;
    }

    /** The store index now, from a read of the root. */
    long index() {
        return Long.parseLong(send("GET", "/v2/keys/", null, null).headers().firstValue("x-etcd-index").orElseThrow());
    }

    /** The body of a GET of {@code pathAndQuery}, left out of the transcript. */
    String body(String pathAndQuery) {
        return send("GET", pathAndQuery, null, null).body();
    }

    /** {@code ETCDCTL_API=2 etcdctl <args>} with its output's lines in order: for lists whose order is the ids'. */
    void etcdctlSorted(String... args) {
        String[] parts = run(args).split("stderr: ", 2);
        List<String> lines = new ArrayList<>(parts[0].lines().toList());
        String exit = lines.remove(0);
        lines.sort(null);
        transcript.add("$ etcdctl " + label(args) + " (lines sorted)\n" + exit + "\n"
                + String.join("\n", lines) + "\nstderr: " + parts[1]);
    }

    /** Whether {@code etcdctl <args>} exits 0; left out of the transcript. */
    boolean succeeds(String... args) {
        return run(args).startsWith("exit 0\n");
    }

    /** The command as recorded: an index, URL or id given to it differs from server to server. */
    private String label(String... args) {
        return normalize(String.join(" ", args).replaceAll("--after-index \\d+", "--after-index <n>"));
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

    /**
     * A request for {@code rawPathAndQuery} exactly as written ({@code //}, {@code /./} are not
     * normalized on the way), with {@code form} as url-encoded body (null for none).
     */
    void httpRaw(String method, String rawPathAndQuery, String form) {
        URI uri = URI.create(client.toString().replaceAll("/$", "") + rawPathAndQuery);
        byte[] body = form == null ? null : form.getBytes(StandardCharsets.UTF_8);
        record(method + " " + rawPathAndQuery + (form == null ? "" : " <- " + abbreviate(form)),
                sendTo(uri, method, body, form == null ? null : "application/x-www-form-urlencoded"));
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
        transcript.add("$ etcdctl " + label(args) + "\n" + run(args));
    }

    /** Starts {@code etcdctl <args>} (a watch); recorded by {@link #awaitEtcdctl}. */
    CompletableFuture<String> startEtcdctl(String... args) {
        return CompletableFuture.supplyAsync(() -> run(args));
    }

    void awaitEtcdctl(String label, CompletableFuture<String> running) {
        transcript.add("$ etcdctl " + label + "\n" + running.orTimeout(40, TimeUnit.SECONDS).join());
    }

    /**
     * Starts {@code etcdctl <args>} that runs until stopped (exec-watch, watch --forever), its
     * stdout and stderr to {@code output}; {@link #awaitRunning} records what it printed.
     */
    Process startRunning(Path output, String... args) {
        List<String> command = etcdctlCommand(args);
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output.toFile())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            EtcdctlV2.environment(builder);
            return builder.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        }
    }

    /**
     * Waits until the running etcdctl wrote {@code lines} lines, stops it and records them,
     * sorted: exec-watch starts each command without waiting for the one before.
     */
    void awaitRunning(String label, Process running, Path output, int lines) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            List<String> seen = Files.readAllLines(output);
            while (seen.size() < lines && running.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                seen = Files.readAllLines(output);
            }
            // a moment for any line too many to show up
            Thread.sleep(300);
            seen = new ArrayList<>(Files.readAllLines(output));
            boolean alive = running.isAlive();
            running.destroy();
            if (!running.waitFor(10, TimeUnit.SECONDS)) {
                running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            seen.sort(null);
            transcript.add("$ etcdctl " + label + (alive ? " (running)" : " exit " + running.exitValue())
                    + "\n" + normalize(String.join("\n", seen)));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + output, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private List<String> etcdctlCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints", client.toString()));
        command.addAll(etcdctlFlags);
        command.addAll(List.of(args));
        return command;
    }

    private String run(String... args) {
        EtcdctlV2.Output o = EtcdctlV2.exec(etcdctlCommand(args));
        return "exit " + o.exit() + "\n" + normalize(o.stdout()) + "stderr: " + normalize(o.stderr());
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
        for (String h : List.of("x-etcd-index", "x-raft-index", "x-raft-term", "x-etcd-cluster-id", "allow", "location")) {
            if (r.headers().firstValue(h).isPresent()) {
                boolean valued = h.equals("allow") || h.equals("location");
                s.append(valued ? h + "=" + r.headers().firstValue(h).get() : h).append(' ');
            }
        }
        return s.toString().trim() + "]";
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String form, String contentType) {
        return sendBytes(method, pathAndQuery, form == null ? null : form.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private HttpResponse<String> sendBytes(String method, String pathAndQuery, byte[] body, String contentType) {
        return sendTo(client.resolve(pathAndQuery), method, body, contentType);
    }

    private HttpResponse<String> sendTo(URI uri, String method, byte[] body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(method + " " + uri + " failed", e);
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
