package io.kvorum.it.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.it.etcdctl.Etcdctl;
import io.kvorum.it.server.ServerExtension;
import java.net.URI;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The space quota as an operator meets it, with etcdctl: puts of 100 kB each fill a 1 MB quota
 * until one is refused, with what etcd prints; the alarm is listed, reads still work, and once the
 * keys are deleted, the history compacted, the backend defragmented and the alarm disarmed, puts
 * work again. Where puts first fail depends on how the backend stores them, so this test
 * checks each step's output rather than a transcript (the etcdctl quota scenario compares one).
 */
class SpaceQuotaTest {
    private static final String NO_SPACE = "Error: etcdserver: mvcc: database space exceeded";
    private static final Pattern NOSPACE_ALARM = Pattern.compile("memberID:\\d+ alarm:NOSPACE \\n");
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");
    private static final int MOST_PUTS = 40;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withFlags("--quota-backend-bytes=1048576");

    private final Etcdctl etcdctl = Etcdctl.require();

    private Etcdctl.Result run(String... args) {
        URI url = server.clientUrl();
        return etcdctl.run(url, List.of(args), "");
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void puttingUntilTheQuotaIsExceededRaisesNospaceUntilSpaceIsFreedAndTheAlarmDisarmed() {
        String value = "x".repeat(100_000);
        int refused = 0;
        Etcdctl.Result failure = null;
        for (int i = 1; i <= MOST_PUTS && failure == null; i++) {
            Etcdctl.Result put = run("put", "k" + i, value);
            if (put.exitCode() != 0) {
                failure = put;
                refused = i;
            }
        }
        assertTrue(failure != null, MOST_PUTS + " puts of 100 kB never exceeded a 1 MB quota");
        assertTrue(refused > 2, "the first puts fit; refused at put " + refused);
        assertEquals(NO_SPACE, lastLine(failure.stderr()));

        Etcdctl.Result alarms = run("alarm", "list");
        assertTrue(NOSPACE_ALARM.matcher(alarms.stdout()).matches(), "alarm list printed: " + alarms.stdout());
        assertEquals("k1\n\n", run("get", "k1", "--keys-only").stdout(), "reads still work");
        assertEquals(NO_SPACE, lastLine(run("put", "small", "x").stderr()), "with the alarm raised, even a small put fails");

        assertEquals((refused - 1) + "\n", run("del", "k", "--prefix").stdout());
        Matcher revision = REVISION.matcher(run("get", "k1", "-w", "json").stdout());
        assertTrue(revision.find());
        assertEquals("compacted revision " + revision.group(1) + "\n", run("compaction", revision.group(1)).stdout());
        assertEquals(0, run("defrag").exitCode());
        assertEquals(NO_SPACE, lastLine(run("put", "small", "x").stderr()), "freeing space does not disarm the alarm");
        assertEquals(alarms.stdout(), run("alarm", "disarm").stdout());
        assertEquals("", run("alarm", "list").stdout());

        Etcdctl.Result put = run("put", "small", "x");
        assertEquals("OK\n", put.stdout(), put.stderr());
        assertNotEquals("", run("get", "small").stdout());
    }
}
