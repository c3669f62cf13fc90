package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's logs as etcd's tools read them: zap JSON lines with etcd's keys and the lines
 * they wait for, on the outputs {@code --log-outputs} names, filtered by {@code --log-level}; and
 * the console and capnslog forms.
 */
class StructuredLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** zap's ISO8601 time with milliseconds, Z or a numeric offset. */
    private static final Pattern ZAP_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d{4})");
    /** zap's short caller, {@code dir/file:line}. */
    private static final Pattern CALLER = Pattern.compile("[\\w$.-]+/[\\w$.-]+:\\d+");

    @TempDir
    Path work;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "the launcher is kvorum's own");
    }

    /** One member's run, to its clean stop. */
    private record Run(URI url, String out, String err, int exit) {
    }

    @Test
    void stderrCarriesZapJsonLinesWithEtcdsKeysAndTheLinesToolsWaitFor() {
        Run run = serveAndStop("default");
        assertEquals(0, run.exit(), run.err());
        List<JsonNode> lines = jsonLines(run.err());
        for (JsonNode line : lines) {
            List<String> keys = new ArrayList<>();
            line.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("level", "ts", "caller", "msg"), keys.subList(0, 4), line.toString());
            assertTrue(List.of("debug", "info", "warn", "error").contains(line.get("level").asText()), line.toString());
            assertTrue(ZAP_TIME.matcher(line.get("ts").asText()).matches(), line.toString());
            assertTrue(CALLER.matcher(line.get("caller").asText()).matches(), line.toString());
        }
        String address = run.url().getHost() + ":" + run.url().getPort();
        JsonNode start = line(lines, "starting an etcd server");
        assertTrue(start.get("etcd-version").asText().startsWith("3."), start.toString());
        assertEquals("default", start.get("name").asText());
        assertEquals(address, line(lines, "serving client traffic insecurely; this is strongly discouraged!")
                .get("address").asText());
        line(lines, "ready to serve client requests");
        line(lines, "opened backend db");
        assertTrue(line(lines, "serving peer traffic").get("address").asText().startsWith("127.0.0.1:"));
        JsonNode published = line(lines, "published local member to cluster through raft");
        assertTrue(published.get("local-member-attributes").asText().contains("ClientURLs:[" + run.url() + "]"),
                published.toString());
        assertTrue(lines.stream().anyMatch(l -> l.get("msg").asText().matches("[0-9a-f]+ became leader at term \\d+")),
                run.err());
        assertTrue(lines.stream().anyMatch(l -> l.get("msg").asText()
                .matches("raft\\.node: ([0-9a-f]+) elected leader \\1 at term \\d+")), run.err());
        assertEquals("terminated", line(lines, "received signal; shutting down").get("signal").asText());
        assertEquals("default", line(lines, "closing etcd server").get("name").asText());
        line(lines, "closed etcd server");
    }

    @Test
    void logOutputsWritesToStdoutAndToAFileAndNotToStderr() throws IOException {
        Path file = work.resolve("member.log");
        Run run = serveAndStop("outputs", "--log-outputs", "stdout," + file);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.err().lines().noneMatch(l -> l.startsWith("{")), run.err());
        // stdout: the log lines around kvorum's own serving line, which is unchanged
        assertTrue(run.out().lines().anyMatch(l -> l.equals("kvorum: serving client requests on " + run.url())), run.out());
        List<String> stdoutJson = run.out().lines().filter(l -> l.startsWith("{")).toList();
        line(jsonLines(String.join("\n", stdoutJson)), "ready to serve client requests");
        List<JsonNode> fromFile = jsonLines(Files.readString(file));
        line(fromFile, "ready to serve client requests");
        line(fromFile, "closed etcd server");
        assertEquals(stdoutJson.size(), fromFile.size(), "the same lines in both outputs");
    }

    @Test
    void warnLevelHidesInfoLines() {
        Run run = serveAndStop("warn", "--log-level", "warn");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("kvorum: serving client requests on"), run.out());
        for (JsonNode line : jsonLines(run.err())) {
            assertTrue(List.of("warn", "error").contains(line.get("level").asText()), line.toString());
        }
        assertFalse(run.err().contains("ready to serve client requests"), run.err());
    }

    @Test
    void consoleFormatIsTabSeparated() {
        Run run = serveAndStop("console", "--log-format", "console");
        assertEquals(0, run.exit(), run.err());
        Optional<String> ready = run.err().lines().filter(l -> l.contains("serving client traffic insecurely")).findFirst();
        assertTrue(ready.isPresent(), run.err());
        String[] columns = ready.get().split("\t");
        assertEquals(5, columns.length, ready.get());
        assertTrue(ZAP_TIME.matcher(columns[0]).matches(), ready.get());
        assertEquals("info", columns[1]);
        assertTrue(CALLER.matcher(columns[2]).matches(), ready.get());
        assertEquals("serving client traffic insecurely; this is strongly discouraged!", columns[3]);
        assertEquals("{\"address\": \"" + run.url().getHost() + ":" + run.url().getPort() + "\"}", columns[4]);
    }

    @Test
    void capnslogWritesEtcd34sTextLinesAndWarnsThatItIsDeprecated() {
        Run run = serveAndStop("capnslog", "--logger", "capnslog", "--log-package-levels", "grpc=WARNING");
        assertEquals(0, run.exit(), run.err());
        Pattern capnslog = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} [DIWEC] \\| [\\w$-]+: .*");
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("\tat ") && !l.isBlank()).toList();
        assertTrue(lines.stream().anyMatch(l -> capnslog.matcher(l).matches()
                && l.contains(" W | launcher: Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead")),
                run.err());
        assertTrue(lines.stream().anyMatch(l -> l.contains(" I | server: ready to serve client requests")), run.err());
        // the peer transport's package is at WARNING: its info line is left out
        assertFalse(run.err().contains("serving peer traffic"), run.err());
    }

    @Test
    void badLoggingFlagsAreUsageErrorsWithEtcdsWords() {
        ManagedProcess p = start("bad", List.of("--log-outputs", "default,stdout"));
        try {
            assertTrue(p.waitFor(Duration.ofSeconds(60)), p.tail(20));
            assertEquals(2, p.exitValue(), p.tail(20));
            assertTrue(p.stderrText().contains("multi logoutput for \"default\" is not supported yet"), p.stderrText());
        } finally {
            p.kill();
        }
    }

    // ---- helpers

    private Run serveAndStop(String label, String... flags) {
        int peerPort = FreePorts.pick();
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> args = new ArrayList<>(List.of("--data-dir", work.resolve(label + ".kvorum").toString(),
                "--listen-client-urls", "http://127.0.0.1:0", "--advertise-client-urls", "http://127.0.0.1:0",
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=" + peer));
        args.addAll(List.of(flags));
        ManagedProcess member = start(label, args);
        try {
            URI url = member.awaitServing();
            member.terminate(Duration.ofSeconds(30));
            return new Run(url, member.stdoutText(), member.stderrText(), member.exitValue());
        } finally {
            member.kill();
        }
    }

    private ManagedProcess start(String label, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(KvorumProcess.home().resolve("bin/kvorum").toString());
        command.addAll(args);
        return ManagedProcess.start("kvorum", command, work.resolve("logs").resolve(label), Map.of());
    }


    /** Every non-empty line, each of which must be one JSON object. */
    private static List<JsonNode> jsonLines(String text) {
        List<JsonNode> lines = new ArrayList<>();
        for (Iterator<String> it = text.lines().iterator(); it.hasNext(); ) {
            String line = it.next();
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(line);
                assertTrue(node.isObject(), "not a JSON object: " + line);
                lines.add(node);
            } catch (IOException e) {
                throw new UncheckedIOException("not a JSON line: " + line + "\nin:\n" + text, e);
            }
        }
        return lines;
    }

    private static JsonNode line(List<JsonNode> lines, String msg) {
        return lines.stream().filter(l -> l.get("msg").asText().equals(msg)).findFirst()
                .orElseGet(() -> fail("no line with msg \"" + msg + "\" among:\n" + lines));
    }
}
