package io.kvorum.it.kv;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Each test works under its own key prefix, because a test class shares one server: no test sees
 * another's keys.
 */
abstract class PrefixedKeys {
    protected String prefix;

    /** The class's client. */
    protected abstract KV kv();

    @BeforeEach
    void ownKeys(TestInfo test) {
        prefix = test.getTestMethod().orElseThrow().getName() + "-" + test.getDisplayName().hashCode() + "/";
    }

    protected ByteSequence key(String name) {
        return bytes(prefix + name);
    }

    /** @return the revision of the put */
    protected long put(String name, String value) {
        return await(kv().put(key(name), bytes(value))).getHeader().getRevision();
    }
}
