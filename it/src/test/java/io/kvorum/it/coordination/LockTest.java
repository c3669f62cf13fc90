package io.kvorum.it.coordination;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.GetOption;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Lock service through jetcd: the lock key is {@code <name>/<lease in hex>}, a second locker
 * blocks until the holder unlocks or its lease is revoked. Leases are long enough to need no
 * keep-alive during a test.
 */
class LockTest {
    /** How long a blocked Lock call is watched to show that it stays blocked. */
    private static final long BLOCKED_MILLIS = 700;

    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;
    private static Lease lease;
    private static Lock lock;
    private ByteSequence name;

    @BeforeAll
    static void connect() {
        Client client = Jetcd.client(server);
        kv = client.getKVClient();
        lease = client.getLeaseClient();
        lock = client.getLockClient();
    }

    @BeforeEach
    void ownName(TestInfo test) {
        name = bytes(test.getTestMethod().orElseThrow().getName());
    }

    private long grant() {
        return await(lease.grant(30)).getID();
    }

    private static void assertStillBlocked(CompletableFuture<LockResponse> pending) {
        try {
            LockResponse response = pending.get(BLOCKED_MILLIS, TimeUnit.MILLISECONDS);
            throw new AssertionError("the second locker got the lock while it was held: " + string(response.getKey()));
        } catch (TimeoutException expected) {
            // still waiting, as it should
        } catch (Exception e) {
            throw new AssertionError("the second Lock call failed instead of waiting", e);
        }
    }

    @Test
    void theLockKeyIsTheNameSlashTheLeaseInHexAndUnlockDeletesIt() {
        long id = grant();

        LockResponse locked = await(lock.lock(name, id));

        assertEquals(string(name) + "/" + Long.toHexString(id), string(locked.getKey()));
        var stored = await(kv.get(locked.getKey())).getKvs();
        assertEquals(1, stored.size());
        assertEquals(id, stored.get(0).getLease(), "the key is attached to the caller's lease");

        await(lock.unlock(locked.getKey()));

        assertEquals(0, await(kv.get(name, GetOption.builder().isPrefix(true).build())).getCount());
    }

    @Test
    void aSecondLockerWaitsUntilTheHolderUnlocks() {
        LockResponse first = await(lock.lock(name, grant()));
        long second = grant();

        CompletableFuture<LockResponse> pending = lock.lock(name, second);
        assertStillBlocked(pending);
        await(lock.unlock(first.getKey()));

        assertEquals(string(name) + "/" + Long.toHexString(second), string(await(pending).getKey()));
    }

    @Test
    void revokingTheHoldersLeaseReleasesTheLock() {
        long holder = grant();
        await(lock.lock(name, holder));
        long second = grant();

        CompletableFuture<LockResponse> pending = lock.lock(name, second);
        assertStillBlocked(pending);
        await(lease.revoke(holder));

        LockResponse acquired = await(pending);
        assertEquals(string(name) + "/" + Long.toHexString(second), string(acquired.getKey()));
        assertEquals(0, await(kv.get(bytes(string(name) + "/" + Long.toHexString(holder)))).getCount(),
                "the holder's key went with its lease");
    }
}
