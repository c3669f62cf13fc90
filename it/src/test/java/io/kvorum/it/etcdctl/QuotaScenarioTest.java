package io.kvorum.it.etcdctl;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The space quota through etcdctl, step by step as real etcd prints it ({@code quota.script}
 * against a server started with {@code --quota-backend-bytes=65536}). A put whose value alone is
 * as large as the quota exceeds it on any backend, whatever its size on disk, so the script needs
 * no loop: its {@code <64KiB>} stands for a 64 KiB value (shown by name in the transcripts).
 */
class QuotaScenarioTest {
    private static final int QUOTA = 64 * 1024;
    private static final String LARGE_VALUE = "<64KiB>";

    @Test
    void etcdctlPrintsForAServerOverItsQuotaWhatItPrintsForRealEtcd() throws IOException {
        Script loaded = Script.load("quota");
        List<Script.Step> steps = loaded.steps().stream().map(QuotaScenarioTest::withLargeValue).toList();
        EtcdctlScenarioTest.compare("quota", new Script(loaded.name(), steps), "--quota-backend-bytes=" + QUOTA);
    }

    private static Script.Step withLargeValue(Script.Step step) {
        if (step instanceof Script.Run run && run.args().contains(LARGE_VALUE)) {
            List<String> args = run.args().stream().map(a -> a.equals(LARGE_VALUE) ? "x".repeat(QUOTA) : a).toList();
            return new Script.Run(run.line(), args, run.stdin());
        }
        return step;
    }
}
