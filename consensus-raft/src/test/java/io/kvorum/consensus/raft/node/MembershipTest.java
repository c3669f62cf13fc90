package io.kvorum.consensus.raft.node;

import static io.kvorum.consensus.raft.node.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import io.kvorum.spi.consensus.Member;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {

    @TempDir
    Path dir;

    @Test
    void aLearnerIsAddedJoinsIsPromotedWhenInSyncAndIsRemoved() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            long follower = c.followers(leader).get(0);
            awaitPublished(c);
            c.proposeAndAwait(leader, "before-join");

            // Asked on a follower: forwarded to the leader, answered once applied.
            Member added = LocalCluster.retry(() -> c.node(follower).addMember(List.of("http://m4:2380"), true));
            assertTrue(added.learner());
            assertEquals("", added.name());
            assertEquals(List.of("http://m4:2380"), added.peerUrls());
            assertTrue(c.node(follower).members().stream().anyMatch(m -> m.id() == added.id()),
                    "the member that took the request lists the change when it answers, as MemberAdd's reply carries it");
            await("every member lists the learner", () -> c.nodes.values().stream()
                    .allMatch(n -> n.members().stream().anyMatch(m -> m.id() == added.id() && m.learner())));

            assertEquals(Reason.TOO_MANY_LEARNERS, failure(() -> c.node(leader)
                    .addMember(List.of("http://m5:2380"), true)).reason());
            ConsensusException taken = failure(() -> c.node(leader).addMember(List.of("http://m1:2380"), false));
            assertEquals(Reason.PEER_URL_EXISTS, taken.reason());
            assertEquals("etcdserver: Peer URLs already exists", taken.getMessage());
            ConsensusException notReady = failure(() -> c.node(leader).promoteMember(added.id()));
            assertEquals(Reason.LEARNER_NOT_READY, notReady.reason(), "it has not started, so it lags the leader");
            assertEquals("etcdserver: can only promote a learner member which is in sync with leader",
                    notReady.getMessage());
            assertEquals(Reason.MEMBER_NOT_LEARNER, failure(() -> c.node(leader).promoteMember(follower)).reason());

            Member spec = new Member(added.id(), "m4", added.peerUrls(), List.of("http://m4:2379"), false);
            List<Member> initial = new java.util.ArrayList<>(c.initialMembers());
            initial.add(spec);
            RaftNode joined = c.start(spec, true, initial);
            assertEquals(added.id(), joined.status().memberId(), "the joining member learned the id MemberAdd chose");
            assertEquals(LocalCluster.CLUSTER_ID, joined.status().clusterId());
            await("the learner caught up", () -> c.machines.get(added.id()).payloads().contains("before-join"));
            assertTrue(joined.status().learner());
            await("the learner published its name", () -> c.node(leader).members().stream()
                    .anyMatch(m -> m.id() == added.id() && m.name().equals("m4")));

            LocalCluster.retry(() -> promoteWhenReady(c.node(follower), added.id()));
            await("the promoted member votes", () -> !joined.status().learner());
            assertFalse(c.node(leader).members().stream().filter(m -> m.id() == added.id()).findFirst()
                    .orElseThrow().learner());
            c.proposeAndAwait(added.id(), "from-the-new-voter");

            assertFalse(joined.removal().isDone());
            LocalCluster.retry(() -> c.node(leader).removeMember(added.id()));
            joined.removal().get(10, java.util.concurrent.TimeUnit.SECONDS); // the removed member learns it
            c.stop(added.id());
            await("every member forgot it", () -> c.nodes.values().stream()
                    .allMatch(n -> n.members().size() == 3));
            assertEquals(Reason.MEMBER_NOT_FOUND, failure(() -> c.node(leader).removeMember(added.id())).reason());
            c.proposeAndAwait(leader, "after-removal");
        }
    }

    @Test
    void updateMemberChangesPeerUrlsEverywhere() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            long follower = c.followers(leader).get(1);
            String own = c.specs.get(follower).peerUrls().get(0);
            LocalCluster.retry(() -> c.node(follower).updateMember(follower, List.of("http://m9:2380", own)));
            assertTrue(c.node(follower).members().stream().anyMatch(m -> m.id() == follower
                    && m.peerUrls().contains("http://m9:2380")), "the member that took the request lists the change");
            await("every member has the new URLs", () -> c.nodes.values().stream().allMatch(n -> n.members().stream()
                    .anyMatch(m -> m.id() == follower && m.peerUrls().contains("http://m9:2380"))));
            assertEquals(Reason.MEMBER_NOT_FOUND, failure(() -> c.node(leader).updateMember(0x999,
                    List.of("http://m7:2380"))).reason());
            assertEquals(Reason.PEER_URL_EXISTS, failure(() -> c.node(leader).updateMember(leader,
                    List.of("http://m9:2380"))).reason());
        }
    }

    @Test
    void leadershipMovesToTheChosenVoter() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            long target = c.followers(leader).get(0);
            c.proposeAndAwait(leader, "before");
            LocalCluster.retry(() -> c.node(leader).transferLeadership(target));
            assertEquals(target, c.node(leader).status().leaderId(), "completes once the target leads");
            assertEquals(target, c.awaitLeader());

            long other = c.followers(target).get(0);
            // Asked on a follower: forwarded to the leader.
            LocalCluster.retry(() -> c.node(other).transferLeadership(other));
            assertEquals(other, c.awaitLeader());
            ConsensusException bad = failure(() -> c.node(other).transferLeadership(0x999));
            assertEquals(Reason.BAD_LEADER_TRANSFEREE, bad.reason());
            c.proposeAndAwait(target, "after");
        }
    }

    @Test
    void aMemberNotAddedFirstCannotJoin() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            c.awaitLeader();
            Member stranger = new Member(0x777, "m7", List.of("http://m7:2380"), List.of(), false);
            List<Member> initial = new java.util.ArrayList<>(c.initialMembers());
            initial.add(stranger);
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> c.start(stranger, true, initial));
            assertTrue(e.getMessage().contains("do not include this member's peer URLs"), e.getMessage());
        }
    }

    @Test
    void aMemberRemovedWhileItWasDownLearnsItFromItsPeers() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            long follower = c.followers(leader).get(0);
            c.proposeAndAwait(leader, "before");
            c.stop(follower);
            LocalCluster.retry(() -> c.node(leader).removeMember(follower));
            // The leader sends it nothing more, so it cannot apply its removal: it asks.
            RaftNode restarted = c.start(follower);
            long started = System.nanoTime();
            restarted.removal().get(20, java.util.concurrent.TimeUnit.SECONDS);
            System.out.printf("the removed member learned it in %d ms%n", (System.nanoTime() - started) / 1_000_000);
            c.stop(follower);
            c.proposeAndAwait(leader, "after");
        }
    }

    @Test
    void anAddedMemberWhoseInitialClusterDiffersFromTheRunningOneIsRefused() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            Member added = LocalCluster.retry(() -> c.node(leader).addMember(List.of("http://m4:2380"), true));
            Member spec = new Member(added.id(), "m4", added.peerUrls(), List.of("http://m4:2379"), true);

            List<Member> missingOne = new java.util.ArrayList<>(c.initialMembers().subList(0, 2));
            missingOne.add(spec);
            java.io.IOException fewer = assertThrows(java.io.IOException.class, () -> c.start(spec, true, missingOne));
            assertTrue(fewer.getMessage().contains("member count is unequal"), fewer.getMessage());

            List<Member> wrongUrl = new java.util.ArrayList<>(c.initialMembers().subList(0, 2));
            wrongUrl.add(new Member(0x888, "m8", List.of("http://m8:2380"), List.of(), false));
            wrongUrl.add(spec);
            java.io.IOException unmatched = assertThrows(java.io.IOException.class,
                    () -> c.start(spec, true, wrongUrl));
            assertTrue(unmatched.getMessage().contains("unmatched member while checking PeerURLs"),
                    unmatched.getMessage());
        }
    }

    @Test
    void publishedCompletesOnceAMemberSeesItsOwnNameAndAtOnceWhenARestartFindsIt() throws Exception {
        LocalCluster c = new LocalCluster(dir, 3, 10_000, Map.of());
        try (c) {
            RaftNode alone = c.start(LocalCluster.member(1).id());
            Thread.sleep(1000); // two election timeouts
            assertFalse(alone.published().isDone(), "without a quorum nothing is published");
            assertTrue(alone.members().stream().allMatch(m -> m.clientUrls().isEmpty()));
            c.start(LocalCluster.member(2).id());
            c.start(LocalCluster.member(3).id());
            for (Member spec : c.initialMembers()) {
                RaftNode node = c.node(spec.id());
                node.published().get(60, TimeUnit.SECONDS);
                Member seen = node.members().stream().filter(m -> m.id() == spec.id()).findFirst().orElseThrow();
                assertEquals(spec.name(), seen.name());
                assertEquals(spec.clientUrls(), seen.clientUrls(), "completed only once its own publication is applied");
            }
            for (Member spec : c.initialMembers()) {
                c.stop(spec.id());
            }
            RaftNode restarted = c.start(LocalCluster.member(1).id());
            restarted.published().get(60, TimeUnit.SECONDS); // its log holds the publication: no quorum needed
            assertEquals(0, restarted.status().leaderId());
        }
    }

    private static CompletableFuture<Void> promoteWhenReady(RaftNode node, long id) {
        return node.promoteMember(id).exceptionallyCompose(e -> e instanceof ConsensusException ce
                && ce.reason() == Reason.LEARNER_NOT_READY
                ? CompletableFuture.failedFuture(new ConsensusException(Reason.TIMEOUT, "retry"))
                : CompletableFuture.failedFuture(e));
    }

    private static void awaitPublished(LocalCluster c) {
        await("every member published", () -> c.nodes.values().stream().allMatch(n -> n.members().stream()
                .noneMatch(m -> m.name().isEmpty())));
    }

    private static ConsensusException failure(Supplier<CompletableFuture<?>> call) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get().get(60, TimeUnit.SECONDS));
        return assertInstanceOf(ConsensusException.class, e.getCause());
    }
}
