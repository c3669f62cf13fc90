package io.kvorum.tck.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.tck.backend.InMemoryBackend.Defect;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The TCK tested: a correct in-memory backend passes it, and each broken one fails the tests
 * written for its defect. The suites run through the JUnit Platform launcher, so their failures
 * are results here rather than failures of this build.
 */
class BackendTckSelfTest {
    /** The one test an in-memory backend cannot pass: nothing it holds outlives its process. */
    private static final String CRASH_TEST = "durableCommitSurvivesKillOfTheProcess";

    @Test
    void correctBackendPassesEveryTestThatDoesNotNeedAnotherProcess() {
        Map<String, Throwable> failed = failures(Correct.class);
        assertEquals(Set.of(CRASH_TEST), failed.keySet(), () -> describe(failed));
        assertTrue(failed.get(CRASH_TEST).getMessage().contains("not found by ServiceLoader"),
                failed.get(CRASH_TEST).toString());
    }

    @Test
    void signedKeyOrderFailsTheOrderingTests() {
        assertFailsAtLeast(SignedOrder.class, "keysOrderAsUnsignedBytes", "bucketsAreSeparateKeySpaces");
    }

    @Test
    void lostBatchFailsTheDurabilityTests() {
        assertFailsAtLeast(LosesLastBatch.class, "committedDataSurvivesCloseAndReopen",
                "bucketNotNamedAtOpenIsCreatedByItsFirstWriteAndKept");
    }

    @Test
    void tornBatchesFailTheConcurrencyTest() {
        assertFailsAtLeast(TornBatches.class, "readersOpeningViewsDuringCommitsAlwaysSeeWholeBatches");
    }

    @Test
    void viewsThatFollowCommitsFailTheIsolationTests() {
        assertFailsAtLeast(ViewsFollowCommits.class, "viewNeverSeesWhatIsCommittedAfterItOpened",
                "viewSharedByManyThreadsShowsEachTheSamePointInTime",
                "viewOpenedBeforeARestoreKeepsSeeingTheOldContents");
    }

    private static void assertFailsAtLeast(Class<? extends BackendTck> suite, String... tests) {
        Map<String, Throwable> failed = failures(suite);
        for (String test : tests) {
            assertTrue(failed.containsKey(test), test + " passed; failed were: " + failed.keySet());
        }
    }

    /** Runs a suite; the failed tests by method name, with what they failed with. */
    private static Map<String, Throwable> failures(Class<? extends BackendTck> suite) {
        Map<String, Throwable> failed = new TreeMap<>();
        Set<String> run = new TreeSet<>();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(suite)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                        if (test.isTest() && test.getSource().orElse(null) instanceof MethodSource method) {
                            run.add(method.getMethodName());
                            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                                failed.put(method.getMethodName(), result.getThrowable().orElse(null));
                            }
                        }
                    }
                });
        assertTrue(run.size() > 20, "the suite ran: " + run);
        return failed;
    }

    private static String describe(Map<String, Throwable> failed) {
        StringBuilder text = new StringBuilder("failed:");
        failed.forEach((test, why) -> text.append("\n  ").append(test).append(": ").append(why));
        return text.toString();
    }

    static class Correct extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.NONE);
        }
    }

    static class SignedOrder extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.SIGNED_ORDER);
        }
    }

    static class LosesLastBatch extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.LOSES_LAST_BATCH);
        }
    }

    static class TornBatches extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.TORN_BATCHES);
        }
    }

    static class ViewsFollowCommits extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.VIEWS_FOLLOW_COMMITS);
        }
    }
}
