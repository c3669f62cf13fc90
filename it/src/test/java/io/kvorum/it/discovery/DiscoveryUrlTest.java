package io.kvorum.it.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.etcdctl.EtcdctlV2;
import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import io.kvorum.it.server.ServerSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --discovery} against a kvorum serving the v2 API: the token is made as etcd's
 * documentation makes it ({@code curl -XPUT <token>/_config/size -d value=3}), three members started
 * with its URL form one cluster, and a fourth finds the cluster full: with
 * {@code --discovery-fallback exit} it exits with etcd's {@code cluster is full}, with the default
 * {@code proxy} it becomes a v2 proxy to the three, as does {@code --proxy readonly} with the same
 * token; real etcd, given the same service, says and does the same.
 */
@Tag("cluster")
class DiscoveryUrlTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void threeMembersBootstrapFromADiscoveryUrlAndAFourthFindsTheClusterFull() throws Exception {
        ServerSpec serviceSpec = ServerSpec.fresh("discovery-service", "--enable-v2");
        Path dir = serviceSpec.workDir();
        List<Member> members = new ArrayList<>();
        try (KvorumProcess service = KvorumProcess.start(serviceSpec)) {
            String token = service.clientUrl() + "/v2/keys/discovery/" + UUID.randomUUID().toString().replace("-", "");
            curl("-XPUT", token + "/_config/size", "-d", "value=3");

            for (String name : List.of("m1", "m2", "m3")) {
                members.add(Member.start(dir, name, peer(FreePorts.pick(), "--discovery", token, "--enable-v2"), Map.of()));
            }
            List<URI> clients = members.stream().map(Member::awaitServing).toList();

            Etcdctl etcdctl = Etcdctl.require();
            List<String> lists = new ArrayList<>();
            for (URI client : clients) {
                Etcdctl.Result list = etcdctl.run(client, List.of("member", "list", "-w", "simple"), "");
                assertEquals(0, list.exitCode(), list.stderr());
                lists.add(sortedLines(list.stdout()));
            }
            assertEquals(3, lists.get(0).lines().count(), lists.get(0));
            for (String name : List.of("m1", "m2", "m3")) {
                assertTrue(lists.get(0).contains(", started, " + name + ", http://127.0.0.1:"), lists.get(0));
            }
            assertEquals(List.of(lists.get(0), lists.get(0), lists.get(0)), lists, "every member lists the same three");
            // each registered under its member id, as etcd's members do
            String registered = get(token + "?recursive=true");
            for (String line : lists.get(0).lines().toList()) {
                String id = line.substring(0, line.indexOf(','));
                assertTrue(registered.contains("/" + id + "\""), id + " in " + registered);
            }

            String full = "failed to join discovery cluster (discovery: cluster is full)";
            Member exit = Member.start(dir, "m4", peer(FreePorts.pick(), "--discovery", token,
                    "--discovery-fallback", "exit"), Map.of());
            assertEquals(1, exit.awaitExit(), exit.process.tail(20));
            assertTrue(exit.process.stderrText().contains("kvorum: " + full), exit.process.tail(20));
            Member proxy = Member.start(dir, "m5", peer(FreePorts.pick(), "--discovery", token), Map.of());
            members.add(proxy);
            URI proxyUrl = proxy.awaitServing();
            String proxyLog = proxy.process.stderrText();
            assertTrue(proxyLog.contains("\"msg\":\"discovery cluster is full, falling back to proxy\""), proxyLog);
            assertTrue(proxyLog.contains("\"msg\":\"v2 API proxy starting\""), proxyLog);
            String peerUrls = peerUrlsLine(proxyLog);
            assertEquals(3, peerUrls.split(",").length, peerUrls);
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(proxyUrl, "--no-sync", "set", "/fallback",
                    "through the proxy"));
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(proxyUrl, "--no-sync", "get", "/fallback"));
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(clients.get(2), "--no-sync", "get", "/fallback"));
            Path proxyData = dir.resolve("m5").resolve("data");
            assertTrue(Files.isRegularFile(proxyData.resolve("proxy").resolve("cluster")), "the proxy's cluster file");
            assertFalse(Files.exists(proxyData.resolve("member")), "no member data");

            Member readonly = Member.start(dir, "m7", peer(FreePorts.pick(), "--discovery", token, "--proxy", "readonly"),
                    Map.of());
            members.add(readonly);
            URI readonlyUrl = readonly.awaitServing();
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(readonlyUrl, "--no-sync", "get", "/fallback"));
            String refused = EtcdctlV2.run(readonlyUrl, "--no-sync", "set", "/fallback", "no");
            assertFalse(refused.startsWith("exit 0\n"), refused);
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(proxyUrl, "--no-sync", "get", "/fallback"));
            assertEquals(peerUrls, peerUrlsLine(readonly.process.stderrText()));

            // restarted, the fallback proxy is a proxy again, from its cluster file
            proxy.process.terminate(Duration.ofSeconds(30));
            Member again = Member.start(dir, "m5", peer(FreePorts.pick(), "--discovery", token), Map.of());
            members.add(again);
            URI againUrl = again.awaitServing();
            assertTrue(again.process.stderrText().contains("\"msg\":\"discovery token ignored since the proxy has already"
                    + " been initialized; valid cluster file found\""), again.process.tail(20));
            assertEquals(EtcdctlV2.ok("through the proxy\n"), EtcdctlV2.run(againUrl, "--no-sync", "get", "/fallback"));

            assertEquals(registered, get(token + "?recursive=true"), "a member refused did not register");

            String missing = service.clientUrl() + "/v2/keys/discovery/never-created";
            Member lost = Member.start(dir, "m6", peer(FreePorts.pick(), "--discovery", missing), Map.of());
            assertEquals(1, lost.awaitExit(), lost.process.tail(20));
            String lostLine = lost.process.stderrText().lines().filter(l -> l.startsWith("kvorum: ")).findFirst().orElse("");
            assertTrue(lostLine.startsWith("kvorum: failed to join discovery cluster (100: Key not found ("), lostLine);

            if (Binaries.etcd().isPresent()) {
                assertEquals(full, etcdError(dir, "etcd-full", token));
                assertEquals(peerUrls, etcdProxyPeerUrls(dir, "etcd-proxy", token));
                assertEquals(lostLine.substring("kvorum: ".length()), etcdError(dir, "etcd-missing", missing));
            } else if (Binaries.onCi()) {
                throw new AssertionError("etcd is not installed: the comparison with etcd cannot run");
            }
        } finally {
            ManagedProcess.closeAll(members.stream().map(m -> m.process).toList());
        }
    }

    /** The error real etcd exits with when it bootstraps from {@code token} with {@code --discovery-fallback exit}. */
    private static String etcdError(Path dir, String name, String token) {
        int peer = FreePorts.pick();
        int client = FreePorts.pick();
        List<String> command = List.of(Binaries.etcd().orElseThrow().toString(), "--name", name,
                "--data-dir", dir.resolve(name).resolve("data").toString(),
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--discovery", token, "--discovery-fallback", "exit");
        try (ManagedProcess etcd = ManagedProcess.start(name, command, dir.resolve(name).resolve("logs"), Map.of())) {
            assertTrue(etcd.waitFor(Duration.ofSeconds(60)), etcd.tail(20));
            assertEquals(1, etcd.exitValue(), etcd.tail(20));
            // capnslog: "<date> <time> E | etcdmain: <error>"
            return etcd.stderrText().lines().filter(l -> l.contains(" E | etcdmain: "))
                    .map(l -> l.substring(l.indexOf(" E | etcdmain: ") + " E | etcdmain: ".length()))
                    .findFirst().orElseThrow(() -> new AssertionError("no error line\n" + etcd.tail(20)));
        }
    }

    /**
     * The peer URLs real etcd's proxy takes from {@code token} when it falls back to a proxy (etcd
     * has the cluster full too); its peers are kvorum's, which it cannot ask for the members over
     * etcd's peer API, so only its start is compared.
     */
    private static String etcdProxyPeerUrls(Path dir, String name, String token) {
        int peer = FreePorts.pick();
        int client = FreePorts.pick();
        List<String> command = List.of(Binaries.etcd().orElseThrow().toString(), "--name", name, "--logger", "zap",
                "--data-dir", dir.resolve(name).resolve("data").toString(),
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--discovery", token);
        try (ManagedProcess etcd = ManagedProcess.start(name, command, dir.resolve(name).resolve("logs"), Map.of())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!etcd.stderrText().contains("v2 proxy started listening on client requests")) {
                assertTrue(etcd.isAlive() && System.nanoTime() < deadline, etcd.tail(20));
                ManagedProcess.pause(100);
            }
            assertTrue(etcd.stderrText().contains("\"msg\":\"discovery cluster is full, falling back to proxy\""),
                    etcd.tail(20));
            assertTrue(Files.isDirectory(dir.resolve(name).resolve("data").resolve("proxy")), "etcd's proxy data dir");
            return peerUrlsLine(etcd.stderrText());
        }
    }

    /** The peer URLs of the "proxy using peer URLS" log line, as written. */
    private static String peerUrlsLine(String log) {
        String line = log.lines().filter(l -> l.contains("\"msg\":\"proxy using peer URLS\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no \"proxy using peer URLS\" line in\n" + log));
        int start = line.indexOf("\"peer-urls\":[") + "\"peer-urls\":[".length();
        return line.substring(start, line.indexOf(']', start));
    }

    private static List<String> peer(int port, String... flags) {
        List<String> all = new ArrayList<>(List.of("--listen-peer-urls", "http://127.0.0.1:" + port,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + port));
        all.addAll(List.of(flags));
        return all;
    }

    private static String sortedLines(String text) {
        return String.join("\n", text.lines().filter(l -> !l.isBlank()).sorted().toList());
    }

    /** Runs curl as etcd's documentation does; fails unless it succeeds with HTTP 2xx. */
    private static void curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-f"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(curl.waitFor(30, TimeUnit.SECONDS), "curl did not finish");
        String output = new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, curl.exitValue(), String.join(" ", command) + ": " + output);
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
