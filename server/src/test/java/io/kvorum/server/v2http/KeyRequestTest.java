package io.kvorum.server.v2http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.api.etcdserverpb.Request;
import io.kvorum.server.v2.NodeView;
import io.kvorum.server.v2.V2Error;
import io.kvorum.server.v2.V2Event;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A {@code /v2/keys} request's form, its errors and the JSON answered, as etcd's v2http. */
class KeyRequestTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    private static KeyRequest parse(String method, String path, String body, String query) {
        GoForm form = GoForm.parse(method, FORM, (body == null ? "" : body).getBytes(StandardCharsets.UTF_8), query);
        return KeyRequest.parse(method, path, form, () -> 1_000_000_000_000L);
    }

    private static V2Error refused(String method, String body, String query) {
        return assertThrows(V2Error.class, () -> parse(method, "/v2/keys/k", body, query));
    }

    @Test
    void theBodyComesBeforeTheQueryAndValuesAreDecoded() {
        Request r = parse("PUT", "/v2/keys/a/b", "value=Hello+world%21&ttl=5", "value=ignored&prevExist=false").request();
        assertEquals("/1/a/b", r.getPath());
        assertEquals("Hello world!", r.getVal());
        assertEquals(1_005_000_000_000L, r.getExpiration());
        assertTrue(r.hasPrevExist());
        assertFalse(r.getPrevExist());
        assertFalse(r.hasRefresh());
    }

    @Test
    void aDeleteReadsOnlyTheQuery() {
        Request r = parse("DELETE", "/v2/keys/k", "recursive=true", "dir=1").request();
        assertFalse(r.getRecursive());
        assertTrue(r.getDir());
    }

    @Test
    void malformedFieldsGetEtcdsErrors() {
        assertEquals(List.of(202, "invalid value for \"ttl\""), code(refused("PUT", "ttl=abc", null)));
        assertEquals(List.of(202, "invalid value for \"ttl\""), code(refused("PUT", "ttl=-1", null)));
        assertEquals(List.of(203, "invalid value for \"prevIndex\""), code(refused("PUT", null, "prevIndex=x")));
        assertEquals(List.of(203, "invalid value for \"waitIndex\""), code(refused("GET", null, "waitIndex=")));
        assertEquals(List.of(209, "invalid value for \"recursive\""), code(refused("GET", null, "recursive=yes")));
        assertEquals(List.of(209, "\"wait\" can only be used with GET requests"), code(refused("PUT", null, "wait=true")));
        assertEquals(List.of(201, "\"prevValue\" cannot be empty"), code(refused("PUT", null, "prevValue=")));
        assertEquals(List.of(209, "invalid value for prevExist"), code(refused("PUT", null, "prevExist=perhaps")));
        assertEquals(List.of(211, "A value was provided on a refresh"), code(refused("PUT", "value=x&ttl=5", "refresh=true")));
        assertEquals(List.of(212, "No TTL value set"), code(refused("PUT", null, "refresh=true")));
        assertEquals(List.of(210, "invalid URL escape \"%zz\""), code(refused("PUT", "value=%zz", null)));
        assertEquals(List.of(210, "invalid semicolon separator in query"), code(refused("GET", null, "a=1;b=2")));
        V2Error tooLarge = assertThrows(V2Error.class, () -> KeyRequest.parse("PUT", "/v2/keys/k",
                GoForm.parse("PUT", FORM, null, null), () -> 0));
        assertEquals(List.of(210, "http: POST too large"), code(tooLarge));
        assertEquals(0, tooLarge.index());
        assertEquals(400, tooLarge.httpStatus());
    }

    @Test
    void goParsesBooleansItsOwnWay() {
        for (String yes : List.of("1", "t", "T", "TRUE", "true", "True")) {
            assertTrue(parse("GET", "/v2/keys/k", null, "sorted=" + yes).request().getSorted(), yes);
        }
        for (String no : List.of("0", "f", "F", "FALSE", "false", "False")) {
            assertFalse(parse("GET", "/v2/keys/k", null, "sorted=" + no).request().getSorted(), no);
        }
    }

    private static List<Object> code(V2Error e) {
        return List.of(e.code(), e.cause());
    }

    @Test
    void eventsAndErrorsAreWrittenAsGoEncodesThem() {
        NodeView file = new NodeView("/1/a<b>", Optional.of("x&\"y\"\n"), false, 1_700_000_000_120_000_000L, 5,
                Optional.empty(), 7, 6);
        NodeView dir = new NodeView("/1", Optional.empty(), true, 0, 0, Optional.of(List.of(file)), 0, 0);
        assertEquals("{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":[{\"key\":\"/a\\u003cb\\u003e\","
                        + "\"value\":\"x\\u0026\\\"y\\\"\\n\",\"expiration\":\"2023-11-14T22:13:20.12Z\",\"ttl\":5,"
                        + "\"modifiedIndex\":7,\"createdIndex\":6}]}}\n",
                V2Json.event(new V2Event("get", dir, Optional.empty(), 7, false)));
        NodeView empty = new NodeView("/1/d", Optional.empty(), true, 0, 0, Optional.of(List.of()), 3, 3);
        assertEquals("{\"action\":\"get\",\"node\":{\"key\":\"/d\",\"dir\":true,\"modifiedIndex\":3,\"createdIndex\":3}}\n",
                V2Json.event(new V2Event("get", empty, Optional.empty(), 3, false)));
        assertEquals("{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/foo\",\"index\":7}\n",
                V2Json.error(new V2Error(100, "/1/foo", 7)));
        assertEquals("{\"errorCode\":300,\"message\":\"Raft Internal Error\",\"index\":0}\n",
                V2Json.error(new V2Error(300, "", 0)));
        assertEquals("2023-11-14T22:13:20Z", V2Json.time(1_700_000_000_000_000_000L));
    }
}
