package io.kvorum.it.coordination;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.failure;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Election service through jetcd: campaign, leader, proclaim, observe, resign, and a second
 * campaigner that waits until the leader resigns. Leases are long enough to need no keep-alive.
 */
class ElectionTest {
    private static final long BLOCKED_MILLIS = 700;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static Lease lease;
    private static Election election;
    private ByteSequence name;

    @BeforeAll
    static void connect() {
        Client client = Jetcd.client(server);
        lease = client.getLeaseClient();
        election = client.getElectionClient();
    }

    @BeforeEach
    void ownName(TestInfo test) {
        name = bytes(test.getTestMethod().orElseThrow().getName());
    }

    private long grant() {
        return await(lease.grant(30)).getID();
    }

    /** Observe's responses, queued. */
    private static final class Observer implements Election.Listener {
        private final BlockingQueue<LeaderResponse> leaders = new LinkedBlockingQueue<>();

        @Override
        public void onNext(LeaderResponse response) {
            leaders.add(response);
        }

        @Override
        public void onError(Throwable throwable) {
            // the test sees the missing response
        }

        @Override
        public void onCompleted() {
            // nothing more to see
        }

        String nextValue() throws InterruptedException {
            LeaderResponse next = leaders.poll(15, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("no Observe response within 15 s");
            }
            return string(next.getKv().getValue());
        }
    }

    @Test
    void aCampaignerBecomesLeaderUnderTheNameSlashItsLeaseInHex() {
        long id = grant();

        LeaderKey leader = await(election.campaign(name, id, bytes("alice"))).getLeader();
        LeaderResponse current = await(election.leader(name));

        assertEquals(string(name), string(leader.getName()));
        assertEquals(string(name) + "/" + Long.toHexString(id), string(leader.getKey()));
        assertEquals(id, leader.getLease());
        assertEquals(leader.getRevision(), current.getKv().getCreateRevision());
        assertEquals(string(leader.getKey()), string(current.getKv().getKey()));
        assertEquals("alice", string(current.getKv().getValue()));
    }

    @Test
    void proclaimChangesTheLeadersValueAndObserversSeeEachValue() throws InterruptedException {
        LeaderKey leader = await(election.campaign(name, grant(), bytes("v1"))).getLeader();
        Observer observer = new Observer();
        election.observe(name, observer);
        assertEquals("v1", observer.nextValue());

        await(election.proclaim(leader, bytes("v2")));

        assertEquals("v2", observer.nextValue());
        assertEquals("v2", string(await(election.leader(name)).getKv().getValue()));
    }

    @Test
    void aSecondCampaignerWaitsUntilTheLeaderResigns() throws Exception {
        LeaderKey first = await(election.campaign(name, grant(), bytes("first"))).getLeader();
        long second = grant();

        CompletableFuture<CampaignResponse> pending = election.campaign(name, second, bytes("second"));
        try {
            pending.get(BLOCKED_MILLIS, TimeUnit.MILLISECONDS);
            throw new AssertionError("the second campaigner became leader while the first still was");
        } catch (TimeoutException expected) {
            // still waiting, as it should
        }
        await(election.resign(first));

        assertEquals(second, await(pending).getLeader().getLease());
        assertEquals("second", string(await(election.leader(name)).getKv().getValue()));
    }

    @Test
    void anElectionWithoutCandidatesHasNoLeader() {
        assertInstanceOf(NoLeaderException.class, failure(election.leader(name)));
    }

    @Test
    void aResignedLeaderCannotProclaim() {
        LeaderKey leader = await(election.campaign(name, grant(), bytes("v1"))).getLeader();
        await(election.resign(leader));

        assertInstanceOf(NotLeaderException.class, failure(election.proclaim(leader, bytes("v2"))));
    }
}
