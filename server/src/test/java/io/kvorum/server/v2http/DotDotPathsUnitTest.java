package io.kvorum.server.v2http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DotDotPathsUnitTest {

    @Test
    void aDotDotSegmentIsFoundEscapedOrNot() {
        for (String target : new String[] {"/..", "/a/..", "/a/../b", "/a/%2e%2e/b", "/a/%2E./b", "/a/..%2fb",
                "/v3/kv/../kv/range?x=1", "/health/..?a=b"}) {
            assertTrue(DotDotPaths.hasDotDot(target), target);
        }
        for (String target : new String[] {"/", "/a.b", "/a/.../b", "/a/..b", "/a/b..", "/a/./b", "/a?x=/../",
                "/a/%2e", "/a/%zz/..", "/a/%2", "http://h/a/../b", "*", ""}) {
            assertFalse(DotDotPaths.hasDotDot(target), target);
        }
    }

    @Test
    void onlyDotDotTargetsAreRewrittenAndTheRouteGivesThemBack() {
        assertEquals("/v2/keys/a.b?x=..", DotDotPaths.rewrite("/v2/keys/a.b?x=.."));
        String rewritten = DotDotPaths.rewrite("/v2/keys/a/../b?x=1");
        assertTrue(rewritten.startsWith(DotDotPaths.ROUTE + "?"), rewritten);
        assertFalse(rewritten.substring(DotDotPaths.ROUTE.length()).contains("."), rewritten);
        assertEquals(Optional.of("/v2/keys/a/../b?x=1"),
                DotDotPaths.original(rewritten.substring(rewritten.indexOf('?') + 1)));
        assertEquals(Optional.empty(), DotDotPaths.original(null));
        assertEquals(Optional.empty(), DotDotPaths.original("***"));
        assertEquals(Optional.empty(), DotDotPaths.original("L2E")); // "/a": nothing to redirect
    }

    @Test
    void theCleanPathIsGoPathClean() {
        assertEquals("/v2/keys/b", CleanPath.clean("/v2/keys/a/../b"));
        assertEquals("/", CleanPath.clean("/.."));
        assertEquals("/", CleanPath.clean("/health/.."));
        assertEquals("/v2", CleanPath.clean("/v2/keys/.."));
        assertEquals("/v2/", CleanPath.clean("/v2/keys/../"));
    }
}
