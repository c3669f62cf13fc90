package io.kvorum.tck.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.tck.consensus.FileLogConsensus.Defect;
import java.time.Duration;
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
 * The consensus TCK tested: a correct single-member consensus passes it (the cluster tests are
 * skipped for it), so does a correct cluster of members sharing one log (the cluster tests
 * included), and each broken one fails the tests written for its defect. The suites run
 * through the JUnit Platform launcher, so their failures are results here, not failures of this build.
 */
class ConsensusTckSelfTest {
    private static final Set<String> CLUSTER_TESTS = Set.of("clusterElectsOneLeaderEveryMemberKnows",
            "everyMemberAppliesTheSameEntriesInTheSameOrder", "readIndexOnAFollowerCoversWhatTheLeaderApplied",
            "restartedFollowerCatchesUpBeyondSnapshots", "whenTheLeaderStopsTheOthersElectAnotherAndLoseNothing");
    private static final Set<String> MEMBERSHIP_TESTS = Set.of("aRemovedMemberLearnsItsRemovalAndTheOthersGoOn");

    @Test
    void correctConsensusPassesEveryTestAndSkipsTheClusterTests() {
        Results results = run(Correct.class);
        assertEquals(Map.of(), results.failed(), () -> describe(results.failed()));
        Set<String> skipped = new TreeSet<>(CLUSTER_TESTS);
        skipped.addAll(MEMBERSHIP_TESTS);
        assertEquals(skipped, results.skipped());
    }

    @Test
    void correctClusterPassesEveryTestTheClusterTestsIncluded() {
        Results results = run(Cluster.class);
        assertEquals(Map.of(), results.failed(), () -> describe(results.failed()));
        Set<String> skipped = new TreeSet<>(MEMBERSHIP_TESTS); // the double's members are fixed
        skipped.add("singleMemberProviderRefusesMembershipChangesAsUnsupported");
        assertEquals(skipped, results.skipped());
    }

    @Test
    void aProposalDeliveredTwiceFailsTheExactlyOnceTests() {
        assertFailsAtLeast(DeliversTwice.class, "proposalsOfOneThreadAreAppliedInTheirOrderOnceEachAtGaplessIndexes",
                "concurrentProposalsAreEachAppliedOnceKeepingEachThreadsOrder",
                "appliedEntriesSurviveARestartAndNoneIsDeliveredAgain");
    }

    @Test
    void reorderedProposalsFailTheOrderingTests() {
        assertFailsAtLeast(Reorders.class, "proposalsOfOneThreadAreAppliedInTheirOrderOnceEachAtGaplessIndexes",
                "concurrentProposalsAreEachAppliedOnceKeepingEachThreadsOrder",
                "appliedEntriesSurviveARestartAndNoneIsDeliveredAgain");
    }

    @Test
    void appliedEntriesLostAtCloseFailTheRestartTests() {
        assertFailsAtLeast(LosesLastBatch.class, "appliedEntriesSurviveARestartAndNoneIsDeliveredAgain",
                "restartsWithProposalsInFlightKeepOneHistory", "historyStaysWholeWhileTheLogIsSnapshotted");
    }

    @Test
    void aStaleReadIndexFailsTheReadIndexTests() {
        assertFailsAtLeast(StaleReadIndex.class, "readIndexCoversEveryProposalAppliedBeforeIt");
    }

    @Test
    void proposalsAcceptedAfterCloseFailTheStoppedTest() {
        assertFailsAtLeast(AcceptsAfterClose.class, "proposalsAfterCloseFailAsStopped");
    }

    private static void assertFailsAtLeast(Class<? extends ConsensusTck> suite, String... tests) {
        Map<String, Throwable> failed = run(suite).failed();
        for (String test : tests) {
            assertTrue(failed.containsKey(test), test + " passed; failed were: " + failed.keySet());
        }
    }

    private record Results(Map<String, Throwable> failed, Set<String> skipped) {
    }

    /** Runs a suite: the failed tests by method name with what they failed with, and the skipped ones. */
    private static Results run(Class<? extends ConsensusTck> suite) {
        Map<String, Throwable> failed = new TreeMap<>();
        Set<String> skipped = new TreeSet<>();
        Set<String> ran = new TreeSet<>();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(suite)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                        if (test.isTest() && test.getSource().orElse(null) instanceof MethodSource method) {
                            ran.add(method.getMethodName());
                            switch (result.getStatus()) {
                                case FAILED -> failed.put(method.getMethodName(), result.getThrowable().orElse(null));
                                case ABORTED -> skipped.add(method.getMethodName());
                                case SUCCESSFUL -> { }
                            }
                        }
                    }
                });
        assertTrue(ran.size() > 15, "the suite ran: " + ran);
        return new Results(failed, skipped);
    }

    private static String describe(Map<String, Throwable> failed) {
        StringBuilder text = new StringBuilder("failed:");
        failed.forEach((test, why) -> text.append("\n  ").append(test).append(": ").append(why));
        return text.toString();
    }

    /** A broken consensus fails by timing out, too: no need to wait as long as for a sound one. */
    abstract static class Broken extends ConsensusTck {
        @Override
        protected Duration patience() {
            return Duration.ofSeconds(5);
        }
    }

    static class Correct extends ConsensusTck {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.NONE);
        }
    }

    static class Cluster extends ConsensusTck {
        @Override
        protected ConsensusProvider provider() {
            return SharedLogConsensus.provider();
        }

        @Override
        protected boolean supportsMultipleMembers() {
            return true;
        }

        @Override
        protected boolean supportsMembershipChanges() {
            return false; // the double's members are fixed
        }
    }

    static class DeliversTwice extends Broken {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.DUPLICATES_A_PROPOSAL);
        }
    }

    static class Reorders extends Broken {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.REORDERS);
        }
    }

    static class LosesLastBatch extends Broken {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.LOSES_LAST_BATCH_AT_CLOSE);
        }
    }

    static class StaleReadIndex extends Broken {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.STALE_READ_INDEX);
        }
    }

    static class AcceptsAfterClose extends Broken {
        @Override
        protected ConsensusProvider provider() {
            return FileLogConsensus.provider(Defect.ACCEPTS_AFTER_CLOSE);
        }
    }
}
