package io.kvorum.consensus.raft.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.ConsensusException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Consensus.ask} and {@code answer}: a member's question on a topic reaches the answerer
 * another member gave for it over the peer transport, and its reply comes back; a topic nobody
 * answers is UNSUPPORTED (the server then asks another way), and an answerer's failure fails the
 * question.
 */
class PeerQuestionsTest {

    @TempDir
    Path dir;

    @Test
    void aQuestionReachesThePeersAnswererAndItsReplyComesBack() throws Exception {
        try (LocalCluster c = LocalCluster.started(dir, 3, 10_000, Map.of())) {
            long leader = c.awaitLeader();
            long asked = c.followers(leader).get(0);
            c.node(asked).answer("echo", q -> CompletableFuture.completedFuture(
                    ("from " + Long.toHexString(asked) + ": " + new String(q, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8)));
            c.node(asked).answer("broken", q -> CompletableFuture.failedFuture(new IllegalStateException("broken")));
            c.node(asked).answer("refusing", q -> CompletableFuture.failedFuture(
                    new ConsensusException(Reason.TOO_MANY_REQUESTS, "etcdserver: too many requests")));

            byte[] answer = c.node(leader).ask(asked, "echo", "hello".getBytes(StandardCharsets.UTF_8))
                    .get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals("from " + Long.toHexString(asked) + ": hello", new String(answer, StandardCharsets.UTF_8));
            assertArrayEquals(("from " + Long.toHexString(asked) + ": ").getBytes(StandardCharsets.UTF_8),
                    c.node(leader).ask(asked, "echo", new byte[0]).get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS));

            assertEquals(Reason.UNSUPPORTED, failure(c.node(leader).ask(asked, "nobody-answers", new byte[0])).reason());
            assertEquals(Reason.UNSUPPORTED, failure(c.node(leader).ask(leader, "echo", new byte[0])).reason(),
                    "the leader itself gave no answerer for the topic");
            assertEquals(Reason.STOPPED, failure(c.node(leader).ask(asked, "broken", new byte[0])).reason());
            ConsensusException refused = failure(c.node(leader).ask(asked, "refusing", new byte[0]));
            assertEquals(Reason.TOO_MANY_REQUESTS, refused.reason());
            assertEquals("etcdserver: too many requests", refused.getMessage());

            c.stop(asked);
            ExecutionException down = assertThrows(ExecutionException.class,
                    () -> c.node(leader).ask(asked, "echo", new byte[0]).get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(false, down.getCause() instanceof ConsensusException ce && ce.reason() == Reason.UNSUPPORTED,
                    "a member that cannot be reached is not one that cannot answer: " + down.getCause());
        }
    }

    private static ConsensusException failure(CompletableFuture<byte[]> question) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> question.get(LocalCluster.WAIT.toSeconds(), TimeUnit.SECONDS));
        return assertInstanceOf(ConsensusException.class, e.getCause());
    }
}
