package io.kvorum.it.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.Binaries;
import io.kvorum.it.server.FreePorts;
import io.kvorum.it.server.KvorumProcess;
import io.kvorum.it.server.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member given a wrong {@code --auth-token jwt,…} does not start: it exits 1 with etcd's message
 * (real etcd started with the same value is the oracle, else the message etcd 3.4 gives), for an
 * unknown sign method, a missing one, a bad ttl, a missing file, no key at all, a file that is not a
 * key, a key of the wrong kind, and a method etcd names but cannot use.
 */
@Timeout(300)
class JwtStartErrorsTest {
    private static final Pattern ETCD_FATAL = Pattern.compile("C \\| etcdmain: (.*)");

    @TempDir
    Path dir;

    @Test
    void badJwtOptionsFailTheStartWithEtcdsMessage() throws IOException {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "kvorum's own start");
        JwtKeys rsa = JwtKeys.rsa(dir, "RS256");
        JwtKeys ec = JwtKeys.ec256(dir);
        Path notAKey = Files.writeString(dir.resolve("notakey"), "hello\n");
        Path missing = dir.resolve("missing.pub");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("jwt,sign-method=FOO,pub-key=" + rsa.publicKey(), "auth: invalid auth options");
        cases.put("jwt,pub-key=" + rsa.publicKey(), "auth: invalid auth options");
        cases.put("jwt,sign-method=RS256,priv-key=" + rsa.privateKey() + ",ttl=xx", "auth: invalid auth options");
        cases.put("jwt,sign-method=RS256,pub-key=" + missing, "auth: invalid auth options");
        cases.put("jwt,sign-method=RS256", "auth: missing key data");
        cases.put("jwt,sign-method=HS256", "auth: missing key data");
        cases.put("jwt,sign-method=RS256,pub-key=" + notAKey,
                "invalid key: Key must be a PEM encoded PKCS1 or PKCS8 key");
        cases.put("jwt,sign-method=ES256,priv-key=" + rsa.privateKey(), "key is not a valid ECDSA private key");
        cases.put("jwt,sign-method=RS256,pub-key=" + ec.publicKey(), "key is not a valid RSA public key");
        cases.put("jwt,sign-method=EdDSA,priv-key=" + rsa.privateKey(),
                "unsupported signing method: *jwt.SigningMethodEd25519");
        // a value that is not name,key=value,... is a usage error, found before starting: kvorum
        // exits 2 there (etcd 1), with etcd's message
        List<String> malformed = List.of("jwt,sign-method",
                "jwt,sign-method=RS256,sign-method=RS256,priv-key=" + rsa.privateKey());
        malformed.forEach(m -> cases.put(m, "auth: invalid auth options"));
        StringBuilder failures = new StringBuilder();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String expected = etcdMessage(c.getKey()).orElse(c.getValue());
            ManagedProcess kvorum = startFailing(kvorumCommand(c.getKey()), "kvorum");
            String stderr = kvorum.stderrText();
            int exit = malformed.contains(c.getKey()) ? 2 : 1;
            if (kvorum.exitValue() != exit || !stderr.contains(expected)) {
                failures.append("\n--auth-token ").append(c.getKey()).append(": want exit ").append(exit)
                        .append(" and \"").append(expected)
                        .append("\", got exit ").append(kvorum.exitValue()).append(":\n").append(kvorum.tail(5));
            }
        }
        assertEquals("", failures.toString());
    }

    /** What real etcd says when it refuses {@code authToken}, if etcd is installed. */
    private Optional<String> etcdMessage(String authToken) {
        if (Binaries.etcd().isEmpty()) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of(Binaries.etcd().get().toString()));
        command.addAll(memberFlags());
        command.addAll(List.of("--auth-token", authToken));
        ManagedProcess etcd = startFailing(command, "etcd");
        assertEquals(1, etcd.exitValue(), "real etcd with --auth-token " + authToken + ":\n" + etcd.tail(5));
        Matcher m = ETCD_FATAL.matcher(etcd.stderrText());
        assertTrue(m.find(), etcd.tail(5));
        return Optional.of(m.group(1).strip());
    }

    private List<String> kvorumCommand(String authToken) {
        List<String> command = new ArrayList<>(List.of(KvorumProcess.home().resolve("bin/kvorum").toString()));
        command.addAll(memberFlags());
        command.addAll(List.of("--auth-token", authToken));
        return command;
    }

    private List<String> memberFlags() {
        String peer = "http://127.0.0.1:" + FreePorts.pick();
        String client = "http://127.0.0.1:" + FreePorts.pick();
        return List.of("--name", "bad-jwt", "--data-dir", dir.resolve("data-" + System.nanoTime()).toString(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "bad-jwt=" + peer,
                "--listen-client-urls", client, "--advertise-client-urls", client);
    }

    private ManagedProcess startFailing(List<String> command, String label) {
        ManagedProcess p = ManagedProcess.start(label + "-bad-jwt", command, dir.resolve("log-" + System.nanoTime()),
                Map.of());
        if (!p.waitFor(Duration.ofSeconds(60))) {
            String tail = p.tail(20);
            p.kill();
            throw new AssertionError(label + " started with a bad --auth-token:\n" + tail);
        }
        return p;
    }
}
