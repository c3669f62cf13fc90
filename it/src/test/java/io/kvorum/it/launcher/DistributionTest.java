package io.kvorum.it.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvorum.it.server.KvorumProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/kvorum as a user runs it: what it prints and how it exits. */
class DistributionTest {
    private static final String ANY_PORT = "http://127.0.0.1:0";

    @TempDir
    Path cwd;

    @BeforeAll
    static void onlyForTheDistribution() {
        assumeTrue(!"etcd".equals(System.getProperty("kvorum.it.target")), "the launcher is kvorum's own");
    }

    /** What one run printed and how it ended. */
    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(KvorumProcess.home().resolve("bin/kvorum").toString());
        command.addAll(List.of(args));
        Path out = cwd.resolve("stdout");
        Path err = cwd.resolve("stderr");
        Process p = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/kvorum did not exit");
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void versionPrintsTheVersionAndExitsZero() throws Exception {
        Run r = run("--version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("kvorum Version: "), r.out());
        assertTrue(r.out().contains("API version: 3.5"), r.out());
    }

    @Test
    void helpListsTheFlagsAndTheInstalledPluginsWithTheirOptions() throws Exception {
        Run r = run("--help");
        assertEquals(0, r.exit(), r.err());
        for (String expected : List.of("--listen-client-urls", "ETCD_DATA_DIR", "--backend rocksdb",
                "--backend-opt compression=", "--consensus standalone", "--consensus-opt max-batch=")) {
            assertTrue(r.out().contains(expected), "--help lacks " + expected + ":\n" + r.out());
        }
    }

    @Test
    void anUnknownFlagIsAUsageErrorNamingTheFlag() throws Exception {
        Run r = run("--no-such-flag", "1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--no-such-flag"), r.err());
    }

    @Test
    void aBadValueIsAUsageErrorNamingTheFlag() throws Exception {
        Run r = run("--max-txn-ops", "many");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--max-txn-ops"), r.err());
    }

    @Test
    void anUnknownPluginFailsTheStartListingTheInstalledOnes() throws Exception {
        Run r = run("--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT, "--backend", "nope");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--backend") && r.err().contains("installed: rocksdb"), r.err());
    }

    @Test
    void aBadPluginOptionFailsTheStartNamingTheFlag() throws Exception {
        Run r = run("--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT,
                "--backend-opt", "compression=xz");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--backend-opt") && r.err().contains("compression"), r.err());
    }

    @Test
    void aMemberStartsWithEtcdsDefaultsAndStopsCleanlyOnSigterm() throws Exception {
        Path out = cwd.resolve("serve.out");
        Process p = new ProcessBuilder(KvorumProcess.home().resolve("bin/kvorum").toString(),
                "--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT)
                .directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(cwd.resolve("serve.err").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(out, StandardCharsets.UTF_8).contains("kvorum: serving client requests on")) {
                assertTrue(p.isAlive(), () -> "exited early: " + read(cwd.resolve("serve.err")));
                assertTrue(System.nanoTime() < deadline, "no serving line");
                Thread.sleep(100);
            }
            assertTrue(Files.isDirectory(cwd.resolve("default.kvorum/member/db")),
                    "the data dir defaults to ${name}.kvorum");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "did not stop on SIGTERM");
            assertEquals(0, p.exitValue(), read(cwd.resolve("serve.err")));
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * JDK 17 crashes when classes come from the class data archive under Flight Recorder's class file load
     * hook, so bin/kvorum leaves the archive out when KVORUM_JAVA_OPTS asks for a recording (or an agent).
     */
    @Test
    void aFlightRecordingInKvorumJavaOptsStartsWithoutTheClassArchiveAndIsWritten() throws Exception {
        Path recording = cwd.resolve("member.jfr");
        ProcessBuilder pb = new ProcessBuilder(KvorumProcess.home().resolve("bin/kvorum").toString(),
                "--listen-client-urls", ANY_PORT, "--advertise-client-urls", ANY_PORT)
                .directory(cwd.toFile()).redirectOutput(cwd.resolve("jfr.out").toFile())
                .redirectError(cwd.resolve("jfr.err").toFile());
        pb.environment().put("KVORUM_JAVA_OPTS", "-XX:StartFlightRecording=filename=" + recording);
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(cwd.resolve("jfr.out")).contains("kvorum: serving client requests on")) {
                assertTrue(p.isAlive(), () -> "exited early: " + read(cwd.resolve("jfr.err")));
                assertTrue(System.nanoTime() < deadline, "no serving line");
                Thread.sleep(100);
            }
            // the script execs java: the process's own command line is the JVM's
            String commandLine = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ');
            assertTrue(commandLine.contains("-XX:StartFlightRecording"), commandLine);
            assertTrue(!commandLine.contains("-XX:SharedArchiveFile"), commandLine);
            p.destroy(); // SIGTERM: the recording is written at exit
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "did not stop on SIGTERM");
            assertEquals(0, p.exitValue(), read(cwd.resolve("jfr.err")));
            assertTrue(Files.size(recording) > 0, "no recording written");
        } finally {
            p.destroyForcibly();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
