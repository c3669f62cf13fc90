package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.consensus.ClusterSpec;
import io.kvorum.spi.consensus.Consensus;
import io.kvorum.spi.consensus.ConsensusContext;
import io.kvorum.spi.consensus.ConsensusSettings;
import io.kvorum.spi.consensus.ConsensusStatus;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftConsensusProviderTest {
    private static final Member SELF = LocalCluster.member(1);

    @TempDir
    Path dir;

    private ConsensusContext context(ConsensusSettings settings, Map<String, String> options, RecordingStateMachine sm) {
        return new ConsensusContext(new ClusterSpec(SELF, 0xABC, "t", false, List.of(SELF)), dir, sm, settings,
                PluginOptions.of(options));
    }

    private static ConsensusSettings settings(Duration heartbeat, Duration election) {
        return new ConsensusSettings(List.of(URI.create(SELF.peerUrls().get(0))), heartbeat, election, 100, true, true);
    }

    @Test
    void isNamedRaftAndListsItsOptions() {
        RaftConsensusProvider provider = new RaftConsensusProvider();
        assertEquals("raft", provider.name());
        assertTrue(provider.options().containsKey(RaftOptions.SEGMENT_BYTES_OPTION));
        assertTrue(provider.options().containsKey(RaftOptions.CATCH_UP_ENTRIES_OPTION));
    }

    @Test
    void refusesUnknownOptionsAndAnElectionTimeoutBelowFiveHeartbeats() {
        RaftConsensusProvider provider = new RaftConsensusProvider();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> provider.create(
                context(ConsensusSettings.defaults(), Map.of("max-batch", "3"), new RecordingStateMachine())));
        assertTrue(unknown.getMessage().contains("max-batch"), unknown.getMessage());
        IllegalArgumentException timing = assertThrows(IllegalArgumentException.class, () -> provider.create(context(
                settings(Duration.ofMillis(100), Duration.ofMillis(400)), Map.of(), new RecordingStateMachine())));
        assertTrue(timing.getMessage().contains("--election-timeout"), timing.getMessage());
    }

    @Test
    void aSingleMemberClusterLeadsItselfAndAppliesItsProposals() throws Exception {
        RecordingStateMachine sm = new RecordingStateMachine();
        try (LocalNetwork network = new LocalNetwork();
             Consensus consensus = new RaftConsensusProvider(network.factory()).create(
                     context(settings(Duration.ofMillis(10), Duration.ofMillis(100)), Map.of(), sm))) {
            ConsensusStatus before = consensus.status();
            assertEquals(SELF.id(), before.memberId());
            assertEquals(0xABC, before.clusterId());
            assertEquals(0, before.leaderId());
            consensus.start();
            LocalCluster.await("it leads", () -> consensus.status().leaderId() == SELF.id());
            LocalCluster.retry(() -> consensus.propose("solo".getBytes()));
            LocalCluster.await("applied", () -> sm.payloads().contains("solo"));
            long read = LocalCluster.retry(consensus::readIndex);
            assertTrue(read >= sm.entries().stream().filter(e -> new String(e.data()).equals("solo"))
                    .mapToLong(Entry::index).findFirst().orElseThrow());
            assertTrue(consensus.logIsDurable());
        }
    }

    @Test
    void aStateMachineWithDataButNoRaftLogIsRefused() throws Exception {
        RecordingStateMachine sm = new RecordingStateMachine();
        sm.apply(List.of(new Entry(1, 1, "old".getBytes())), true);
        try (LocalNetwork network = new LocalNetwork();
             Consensus consensus = new RaftConsensusProvider(network.factory()).create(
                     context(settings(Duration.ofMillis(10), Duration.ofMillis(100)), Map.of(), sm))) {
            IOException e = assertThrows(IOException.class, consensus::start);
            assertTrue(e.getMessage().contains("holds no Raft log"), e.getMessage());
        }
    }
}
