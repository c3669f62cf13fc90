package io.kvorum.server.v2auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Users, roles and their permissions as etcd's v2auth merges, matches and writes them. */
class V2AuthRecordsTest {

    @Test
    void aStarPatternCoversItsPrefixAndAnyOtherOneKey() {
        Permissions p = new Permissions(List.of("/data/*", "/one"), List.of("/w*"));
        assertTrue(p.allows("/data/k", false));
        assertTrue(p.allows("/data/", false));
        assertFalse(p.allows("/data", false));
        assertTrue(p.allows("/one", false));
        assertFalse(p.allows("/one/two", false));
        assertFalse(p.allows("/one", true));
        assertTrue(p.allows("/wx/y", true));
        // a recursive request needs a * pattern
        assertTrue(p.allowsBelow("/data/d", false));
        assertFalse(p.allowsBelow("/one", false));
    }

    @Test
    void rootReachesEveryKeyAndAnEmptyRoleNone() {
        assertTrue(V2Role.ROOT_ROLE.allows("/anything", true));
        assertTrue(V2Role.ROOT_ROLE.allowsBelow("/", true));
        V2Role none = new V2Role("r", Permissions.NONE, null, null);
        assertFalse(none.allows("/a", false));
    }

    @Test
    void grantsAndRevokesAreSortedAndAGrantTwiceIsRefused() {
        V2Role role = new V2Role("r", new Permissions(List.of("/b"), null), null, null);
        V2Role granted = role.merge(new V2Role("r", Permissions.NONE, new Permissions(List.of("/a"), List.of("/w")), null));
        assertEquals(new Permissions(List.of("/a", "/b"), List.of("/w")), granted.permissions());
        V2AuthError twice = assertThrows(V2AuthError.class,
                () -> granted.merge(new V2Role("r", Permissions.NONE, new Permissions(List.of("/a"), null), null)));
        assertEquals(409, twice.status());
        assertEquals("auth: Granting duplicate read permission /a", twice.getMessage());
        // revoking what was never granted is passed over
        V2Role revoked = granted.merge(new V2Role("r", Permissions.NONE, null, new Permissions(List.of("/b", "/x"), null)));
        assertEquals(new Permissions(List.of("/a"), List.of("/w")), revoked.permissions());
    }

    @Test
    void aUsersRolesAreGrantedAndRevokedAsEtcdDoes() {
        V2User alice = new V2User("alice", "hash", null, null, null);
        V2User granted = alice.merge(new V2User("alice", "", null, List.of("b", "a"), null), "");
        assertEquals(List.of("a", "b"), granted.roles());
        assertEquals("hash", granted.password());
        assertEquals("auth: Granting duplicate role a for user alice", assertThrows(V2AuthError.class,
                () -> granted.merge(new V2User("alice", "", null, List.of("a"), null), "")).getMessage());
        assertEquals("auth: Revoking ungranted role c for user alice", assertThrows(V2AuthError.class,
                () -> granted.merge(new V2User("alice", "", null, null, List.of("c")), "")).getMessage());
        assertEquals(List.of("root"), new V2User("root", "h", null, null, null).withRootRole().roles());
    }

    @Test
    void recordsAreWrittenAsGoEncodesThem() {
        assertEquals("{\"user\":\"u\",\"password\":\"$2a$x\",\"roles\":null}",
                V2AuthJson.user(new V2User("u", "$2a$x", null, null, null)));
        assertEquals("{\"user\":\"u\",\"roles\":[\"a\\u003cb\"]}",
                V2AuthJson.user(new V2User("u", "", List.of("a<b"), List.of(), null)));
        assertEquals("{\"role\":\"r\",\"permissions\":{\"kv\":{\"read\":[\"/*\"],\"write\":null}}}",
                V2AuthJson.role(new V2Role("r", new Permissions(List.of("/*"), null), null, null)));
        assertEquals("{\"users\":null}", V2AuthJson.users(java.util.Map.of()));
        assertEquals("{\"message\":\"Insufficient credentials\"}", V2AuthJson.message("Insufficient credentials"));
    }

    @Test
    void documentsAreReadAsGoDecodesThem() {
        assertEquals(Optional.of(new V2User("u", "p", List.of("a"), null, null)),
                V2AuthJson.parseUser("{\"User\":\"u\",\"password\":\"p\",\"roles\":[\"a\"],\"other\":1} trailing"));
        assertEquals(Optional.empty(), V2AuthJson.parseUser("{\"user\":1}"));
        assertEquals(Optional.empty(), V2AuthJson.parseUser(""));
        assertEquals(Optional.empty(), V2AuthJson.parseUser("[1]"));
        assertEquals(Optional.of(new V2Role("r", Permissions.NONE, new Permissions(null, List.of("/w")), null)),
                V2AuthJson.parseRole("{\"role\":\"r\",\"grant\":{\"kv\":{\"write\":[\"/w\"]}}}"));
        assertEquals(Optional.empty(), V2AuthJson.parseRole("{\"role\":\"r\",\"permissions\":{\"kv\":[]}}"));
        assertTrue(V2AuthJson.parseBool("true"));
        assertFalse(V2AuthJson.parseBool("false"));
        assertFalse(V2AuthJson.parseBool("nonsense"));
    }
}
