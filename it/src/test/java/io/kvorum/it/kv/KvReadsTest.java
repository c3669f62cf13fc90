package io.kvorum.it.kv;

import static io.kvorum.it.client.Jetcd.await;
import static io.kvorum.it.client.Jetcd.bytes;
import static io.kvorum.it.client.Jetcd.keys;
import static io.kvorum.it.client.Jetcd.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.GetOption.SortOrder;
import io.etcd.jetcd.options.GetOption.SortTarget;
import io.kvorum.it.client.Jetcd;
import io.kvorum.it.server.ServerExtension;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Range through jetcd: single keys, prefixes, ranges, limit, sorting, keys/count only, revisions. */
class KvReadsTest extends PrefixedKeys {
    @RegisterExtension
    static final ServerExtension server = ServerExtension.withDefaults();

    private static KV kv;

    @BeforeAll
    static void connect() {
        kv = Jetcd.client(server).getKVClient();
    }

    @Override
    protected KV kv() {
        return kv;
    }

    private List<String> names(List<KeyValue> kvs) {
        return keys(kvs).stream().map(k -> k.substring(prefix.length())).toList();
    }

    @Test
    void getReturnsTheValueAndRevisionsOfOneKey() {
        long created = put("k", "v1");
        long modified = put("k", "v2");

        GetResponse response = await(kv.get(key("k")));

        assertEquals(1, response.getCount());
        assertFalse(response.isMore());
        KeyValue kv = response.getKvs().get(0);
        assertEquals(prefix + "k", string(kv.getKey()));
        assertEquals("v2", string(kv.getValue()));
        assertEquals(created, kv.getCreateRevision());
        assertEquals(modified, kv.getModRevision());
        assertEquals(2, kv.getVersion());
        assertEquals(0, kv.getLease());
        assertEquals(modified, response.getHeader().getRevision(), "header.revision is the current revision");
    }

    @Test
    void getOfAMissingKeyReturnsNoKeysAndCountZero() {
        GetResponse response = await(kv.get(key("missing")));

        assertTrue(response.getKvs().isEmpty());
        assertEquals(0, response.getCount());
        assertFalse(response.isMore());
    }

    @Test
    void prefixGetReturnsEveryKeyUnderThePrefixInKeyOrder() {
        put("p/c", "3");
        put("p/a", "1");
        put("p/b", "2");
        put("p0", "outside");
        put("p", "outside");

        GetResponse response = await(kv.get(key("p/"), GetOption.builder().isPrefix(true).build()));

        assertEquals(List.of("p/a", "p/b", "p/c"), names(response.getKvs()));
        assertEquals(3, response.getCount());
    }

    @Test
    void rangeWithAnEndKeyIsHalfOpen() {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            put(name, name);
        }

        GetResponse response = await(kv.get(key("b"), GetOption.builder().withRange(key("d")).build()));

        assertEquals(List.of("b", "c"), names(response.getKvs()));
    }

    @Test
    void rangeWhoseEndIsNotAfterTheKeyIsEmpty() {
        put("a", "1");
        put("b", "2");

        GetResponse response = await(kv.get(key("b"), GetOption.builder().withRange(key("a")).build()));

        assertTrue(response.getKvs().isEmpty());
        assertEquals(0, response.getCount());
    }

    @Test
    void fromKeyReturnsEveryKeyFromTheKeyOn() {
        // '~' sorts after every other test's keys (they start with a lower-case method name)
        String base = "~" + prefix;
        for (String name : List.of("a", "b", "c")) {
            await(kv.put(bytes(base + name), bytes(name)));
        }

        GetResponse response = await(kv.get(bytes(base + "b"),
                GetOption.builder().withRange(ByteSequence.from(new byte[] {0})).build()));

        assertEquals(List.of(base + "b", base + "c"), keys(response.getKvs()));
    }

    @Test
    void limitReturnsTheFirstKeysAndSaysMoreWhileCountingAll() {
        for (String name : List.of("a", "b", "c", "d", "e")) {
            put(name, name);
        }
        GetOption.Builder all = GetOption.builder().isPrefix(true);

        GetResponse limited = await(kv.get(key(""), all.withLimit(2).build()));
        GetResponse exact = await(kv.get(key(""), GetOption.builder().isPrefix(true).withLimit(5).build()));

        assertEquals(List.of("a", "b"), names(limited.getKvs()));
        assertTrue(limited.isMore());
        assertEquals(5, limited.getCount(), "count ignores the limit");
        assertEquals(5, exact.getKvs().size());
        assertFalse(exact.isMore());
    }

    /**
     * Data where every sort target gives a different order: key a b c; create c a b; mod b c a;
     * version b (1) a (2) c (3); value a ("1-a") c ("2-c") b ("3-b").
     */
    private void putSortData() {
        put("c", "x");
        put("a", "x");
        put("b", "3-b");
        put("c", "x2");
        put("c", "2-c");
        put("a", "1-a");
    }

    static Stream<Arguments> sortOrders() {
        return Stream.of(
                Arguments.of(SortTarget.KEY, SortOrder.ASCEND, List.of("a", "b", "c")),
                Arguments.of(SortTarget.KEY, SortOrder.DESCEND, List.of("c", "b", "a")),
                Arguments.of(SortTarget.CREATE, SortOrder.ASCEND, List.of("c", "a", "b")),
                Arguments.of(SortTarget.CREATE, SortOrder.DESCEND, List.of("b", "a", "c")),
                Arguments.of(SortTarget.MOD, SortOrder.ASCEND, List.of("b", "c", "a")),
                Arguments.of(SortTarget.MOD, SortOrder.DESCEND, List.of("a", "c", "b")),
                Arguments.of(SortTarget.VERSION, SortOrder.ASCEND, List.of("b", "a", "c")),
                Arguments.of(SortTarget.VERSION, SortOrder.DESCEND, List.of("c", "a", "b")),
                Arguments.of(SortTarget.VALUE, SortOrder.ASCEND, List.of("a", "c", "b")),
                Arguments.of(SortTarget.VALUE, SortOrder.DESCEND, List.of("b", "c", "a")),
                // a target other than KEY without an order sorts ascending
                Arguments.of(SortTarget.MOD, SortOrder.NONE, List.of("b", "c", "a")),
                Arguments.of(SortTarget.VALUE, SortOrder.NONE, List.of("a", "c", "b")),
                Arguments.of(SortTarget.KEY, SortOrder.NONE, List.of("a", "b", "c")));
    }

    @ParameterizedTest(name = "by {0} {1}")
    @MethodSource("sortOrders")
    void rangeIsSortedByTheRequestedTargetAndOrder(SortTarget target, SortOrder order, List<String> expected) {
        putSortData();

        GetResponse response = await(kv.get(key(""),
                GetOption.builder().isPrefix(true).withSortField(target).withSortOrder(order).build()));

        assertEquals(expected, names(response.getKvs()));
    }

    @Test
    void sortingHappensBeforeTheLimit() {
        putSortData();

        GetResponse response = await(kv.get(key(""), GetOption.builder().isPrefix(true)
                .withSortField(SortTarget.MOD).withSortOrder(SortOrder.DESCEND).withLimit(2).build()));

        assertEquals(List.of("a", "c"), names(response.getKvs()));
        assertTrue(response.isMore());
        assertEquals(3, response.getCount());
    }

    @Test
    void keysOnlyLeavesOutValuesButKeepsRevisionsAndVersions() {
        long created = put("k", "value");
        long modified = put("k", "value2");

        GetResponse response = await(kv.get(key("k"), GetOption.builder().withKeysOnly(true).build()));

        KeyValue kv = response.getKvs().get(0);
        assertEquals(prefix + "k", string(kv.getKey()));
        assertTrue(kv.getValue().isEmpty());
        assertEquals(created, kv.getCreateRevision());
        assertEquals(modified, kv.getModRevision());
        assertEquals(2, kv.getVersion());
    }

    @Test
    void countOnlyReturnsTheCountWithoutKeys() {
        for (String name : List.of("a", "b", "c", "d")) {
            put(name, name);
        }

        GetResponse response = await(kv.get(key(""), GetOption.builder().isPrefix(true).withCountOnly(true).build()));

        assertTrue(response.getKvs().isEmpty());
        assertEquals(4, response.getCount());
        assertFalse(response.isMore());
    }

    @Test
    void getAtARevisionSeesTheStoreAsItWasThen() {
        long first = put("k", "v1");
        put("other", "x");
        long second = put("k", "v2");
        long current = await(kv.delete(key("other"))).getHeader().getRevision();

        GetResponse atFirst = await(kv.get(key(""), GetOption.builder().isPrefix(true).withRevision(first).build()));
        GetResponse atSecond = await(kv.get(key(""), GetOption.builder().isPrefix(true).withRevision(second).build()));
        GetResponse beforeFirst = await(kv.get(key("k"), GetOption.builder().withRevision(first - 1).build()));

        assertEquals(List.of("k"), names(atFirst.getKvs()));
        assertEquals("v1", string(atFirst.getKvs().get(0).getValue()));
        assertEquals(List.of("k", "other"), names(atSecond.getKvs()));
        assertEquals("v2", string(atSecond.getKvs().get(0).getValue()));
        assertTrue(beforeFirst.getKvs().isEmpty());
        assertEquals(current, atFirst.getHeader().getRevision(), "header.revision is the current revision");
    }

    @Test
    void modAndCreateRevisionFiltersDropKeysButNotFromTheCount() {
        long a = put("a", "1");
        long b = put("b", "1");
        put("c", "1");
        put("a", "2");

        GetResponse minMod = await(kv.get(key(""), GetOption.builder().isPrefix(true).withMinModRevision(b + 1).build()));
        GetResponse maxCreate = await(kv.get(key(""), GetOption.builder().isPrefix(true).withMaxCreateRevision(b).build()));
        GetResponse minCreate = await(kv.get(key(""), GetOption.builder().isPrefix(true).withMinCreateRevision(a + 1).build()));

        assertEquals(List.of("a", "c"), names(minMod.getKvs()));
        assertEquals(List.of("a", "b"), names(maxCreate.getKvs()));
        assertEquals(List.of("b", "c"), names(minCreate.getKvs()));
        assertEquals(3, minMod.getCount(), "count ignores the revision filters");
    }

    @Test
    void serializableGetSeesAcknowledgedWrites() {
        PutResponse put = await(kv.put(key("k"), bytes("v")));

        GetResponse response = await(kv.get(key("k"), GetOption.builder().withSerializable(true).build()));

        assertEquals("v", string(response.getKvs().get(0).getValue()));
        assertEquals(put.getHeader().getRevision(), response.getKvs().get(0).getModRevision());
    }
}
