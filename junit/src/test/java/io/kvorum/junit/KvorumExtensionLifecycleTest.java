package io.kvorum.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kvorum.server.KvorumServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** What the extension leaves behind: nothing once the class ends, and a clear failure when it cannot start. */
class KvorumExtensionLifecycleTest {

    @Test
    void theMemberStopsAndItsDataIsDeletedAfterTheClass() {
        Sample.seen = null;
        List<TestExecutionResult> results = run(Sample.class);
        assertTrue(results.stream().allMatch(r -> r.getStatus() == TestExecutionResult.Status.SUCCESSFUL), results::toString);
        KvorumServer server = Sample.seen;
        assertNotNull(server, "the sample ran with a member");
        URI endpoint = Sample.endpoint;
        Path data = server.config().dataDir();
        assertFalse(Files.exists(data), "data left in " + data);
        assertThrows(IOException.class, () -> new Socket(endpoint.getHost(), endpoint.getPort()).close(),
                "still listening on " + endpoint);
    }

    @Test
    void anUnknownBackendFailsTheClassNamingTheInstalledOnes() {
        List<TestExecutionResult> results = run(UnknownBackend.class);
        TestExecutionResult failed = results.stream()
                .filter(r -> r.getStatus() == TestExecutionResult.Status.FAILED).findFirst()
                .orElseThrow(() -> new AssertionError("nothing failed: " + results));
        String message = failed.getThrowable().orElseThrow().getMessage();
        assertTrue(message.contains("no-such-backend") && message.contains("installed: ") && message.contains("sqlite"),
                message);
    }

    private static List<TestExecutionResult> run(Class<?> testClass) {
        List<TestExecutionResult> results = new ArrayList<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        results.add(result);
                    }
                });
        assertFalse(results.isEmpty());
        return results;
    }

    /** Run only through {@link #run}: its name does not end in Test, so surefire leaves it alone. */
    @KvorumMember(backend = "sqlite")
    static class Sample {
        static volatile KvorumServer seen;
        static volatile URI endpoint;

        @Test
        void remembersItsMember(KvorumServer server, @KvorumEndpoint URI url) throws IOException {
            seen = server;
            endpoint = url;
            new Socket(url.getHost(), url.getPort()).close();
            assertEquals(url, server.clientUrls().get(0));
        }
    }

    @KvorumMember(backend = "no-such-backend")
    static class UnknownBackend {
        @Test
        void neverRuns() {
        }
    }
}
