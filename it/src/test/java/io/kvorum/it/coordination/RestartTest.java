package io.kvorum.it.coordination;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.client.RawEtcdClient;
import io.kvorum.it.server.ServerProcess;
import io.kvorum.it.server.ServerSpec;
import io.kvorum.it.server.Target;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A graceful stop (SIGTERM) and a start on the same data directory: leases, their TTLs and their
 * keys are still there, and a jetcd watch reconnects by itself (same client port) and goes on from
 * the last revision it saw, missing nothing written while it was away.
 */
class RestartTest {

    @Test
    void leasesAndTheirKeysSurviveARestart() throws InterruptedException {
        ServerSpec spec = ServerSpec.fresh("lease-restart");
        List<ServerProcess> started = new ArrayList<>();
        try {
            ServerProcess server = Target.current().start(spec);
            started.add(server);
            long id;
            try (Client client = Client.builder().endpoints(server.clientUrl()).build()) {
                id = await(client.getLeaseClient().grant(120)).getID();
                for (String key : List.of("a", "b")) {
                    await(client.getKVClient().put(bytes("leased/" + key), bytes("v"),
                            PutOption.builder().withLeaseId(id).build()));
                }
            }

            server.stop();
            ServerProcess restarted = server.restart();
            started.add(restarted);

            try (Client client = Client.builder().endpoints(restarted.clientUrl()).build()) {
                LeaseTimeToLiveResponse ttl = await(client.getLeaseClient().timeToLive(id,
                        LeaseOption.builder().withAttachedKeys().build()));
                assertEquals(120, ttl.getGrantedTTL(), "the granted TTL is kept");
                // etcd's new leader (the restarted member) gives every lease its full TTL again
                // plus the election timeout, so the remaining TTL may be a second above the granted
                assertTrue(ttl.getTTL() > 0 && ttl.getTTL() <= 121, "remaining TTL " + ttl.getTTL());
                assertEquals(List.of("leased/a", "leased/b"), ttl.getKeys().stream().map(Jetcd::string).sorted().toList());
                assertEquals(id, await(client.getKVClient().get(bytes("leased/a"))).getKvs().get(0).getLease());
            }
        } finally {
            for (ServerProcess p : started) {
                p.close();
            }
            spec.deleteData();
        }
    }

    @Test
    void aWatchGoesOnAfterARestartWithoutMissingEvents() {
        ServerSpec spec = ServerSpec.fresh("watch-restart");
        List<ServerProcess> started = new ArrayList<>();
        try {
            ServerProcess server = Target.current().start(spec);
            started.add(server);
            try (Client client = Client.builder().endpoints(server.clientUrl()).build()) {
                WatchRecorder recorder = new WatchRecorder();
                client.getWatchClient().watch(bytes("w/"), WatchOption.builder().isPrefix(true)
                        .withCreateNotify(true).build(), recorder);
                recorder.awaitCreated();
                long before = await(client.getKVClient().put(bytes("w/before"), bytes("1"))).getHeader().getRevision();
                assertEquals(before, recorder.events(1).get(0).getKeyValue().getModRevision());

                server.stop();
                ServerProcess restarted = server.restartOnSameClientPort();
                started.add(restarted);
                // written at once by another client, most likely before jetcd has reconnected its watch
                List<Long> after = new ArrayList<>();
                try (RawEtcdClient other = new RawEtcdClient(restarted)) {
                    for (String key : List.of("w/after1", "w/after2")) {
                        after.add(other.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("2")).build()).getHeader().getRevision());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }

                List<WatchEvent> events = recorder.events(2);
                assertEquals(List.of("w/after1", "w/after2"),
                        events.stream().map(e -> string(e.getKeyValue().getKey())).toList(),
                        "each event once, in order, none before the restart again");
                assertEquals(after, events.stream().map(e -> e.getKeyValue().getModRevision()).toList());
                assertEquals(before + 1, after.get(0), "the revision went on from where it was");
            }
        } finally {
            for (ServerProcess p : started) {
                p.close();
            }
            spec.deleteData();
        }
    }
}
