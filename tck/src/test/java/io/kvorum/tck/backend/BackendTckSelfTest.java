package io.kvorum.tck.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kvorum.spi.backend.Backend;
import io.kvorum.spi.backend.BackendContext;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.backend.WriteBatch;
import io.kvorum.tck.backend.InMemoryBackend.Defect;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

    @Test
    void snapshotsThatFollowCommitsFailThePointInTimeSnapshotTests() {
        assertFailsAtLeast(SnapshotsFollowCommits.class, "openedSnapshotLeavesOutWhatIsCommittedAfterItOpened",
                "openedSnapshotRestoresToExactlyTheContentsAtOpeningEveryTimeItIsWritten",
                "openedSnapshotIsWrittenOnAnotherThreadWhileCommitsGoOn",
                "openedSnapshotKeepsWritingTheOldContentsAfterARestore");
    }

    @Test
    void theSpiDefaultSnapshotOfABackendThatCannotDoBetterPassesTheSnapshotTests() {
        Map<String, Throwable> failed = failures(DefaultSnapshot.class, 10);
        assertEquals(Set.of(), failed.keySet(), () -> describe(failed));
    }

    private static void assertFailsAtLeast(Class<? extends BackendSnapshotTck> suite, String... tests) {
        Map<String, Throwable> failed = failures(suite);
        for (String test : tests) {
            assertTrue(failed.containsKey(test), test + " passed; failed were: " + failed.keySet());
        }
    }

    /** Runs a suite; the failed tests by method name, with what they failed with. */
    private static Map<String, Throwable> failures(Class<? extends BackendSnapshotTck> suite) {
        return failures(suite, 20);
    }

    private static Map<String, Throwable> failures(Class<? extends BackendSnapshotTck> suite, int atLeast) {
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
        assertTrue(run.size() >= atLeast, "the suite ran: " + run);
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

    static class SnapshotsFollowCommits extends BackendTck {
        @Override
        protected BackendProvider provider() {
            return InMemoryBackend.provider(Defect.SNAPSHOTS_FOLLOW_COMMITS);
        }
    }

    /** A correct backend that leaves {@link Backend#openSnapshot()} to the SPI's default. */
    static class DefaultSnapshot extends BackendSnapshotTck {
        @Override
        protected BackendProvider provider() {
            BackendProvider correct = InMemoryBackend.provider(Defect.NONE);
            return new BackendProvider() {
                @Override
                public String name() {
                    return "in-memory-default-snapshot";
                }

                @Override
                public Backend open(BackendContext context) throws IOException {
                    return new WithoutOwnSnapshots(correct.open(context));
                }
            };
        }
    }

    private record WithoutOwnSnapshots(Backend backend) implements Backend {
        @Override
        public WriteBatch newBatch() {
            return backend.newBatch();
        }

        @Override
        public void commit(WriteBatch batch, boolean durable) throws IOException {
            backend.commit(batch, durable);
        }

        @Override
        public ReadView readView() {
            return backend.readView();
        }

        @Override
        public long size() {
            return backend.size();
        }

        @Override
        public long sizeInUse() {
            return backend.sizeInUse();
        }

        @Override
        public void defragment() throws IOException {
            backend.defragment();
        }

        @Override
        public void snapshot(OutputStream out) throws IOException {
            backend.snapshot(out);
        }

        @Override
        public void restore(InputStream in) throws IOException {
            backend.restore(in);
        }

        @Override
        public void close() throws IOException {
            backend.close();
        }
    }
}
