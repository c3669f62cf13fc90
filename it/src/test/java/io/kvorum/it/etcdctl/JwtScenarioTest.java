package io.kvorum.it.etcdctl;

import io.kvorum.it.auth.JwtKeys;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The auth scenario ({@code auth.script}: users, roles, permissions by key, range and prefix,
 * wrong passwords, root rules) prints the same with JWT tokens as with real etcd given the same
 * {@code --auth-token jwt,…}, for an RSA and an EC key made by the test. The two run side by side,
 * each on its own servers.
 */
class JwtScenarioTest {
    @TempDir
    Path keys;

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void etcdctlAuthFlowsWithRs256TokensPrintWhatTheyPrintForRealEtcd() throws IOException {
        EtcdctlScenarioTest.compare("auth", Script.load("auth"),
                "--auth-token=" + JwtKeys.rsa(keys, "RS256").authToken());
    }

    @Execution(ExecutionMode.CONCURRENT)
    @Test
    void etcdctlAuthFlowsWithEs256TokensPrintWhatTheyPrintForRealEtcd() throws IOException {
        EtcdctlScenarioTest.compare("auth", Script.load("auth"),
                "--auth-token=" + JwtKeys.ec256(keys).authToken("ttl=10m"));
    }
}
