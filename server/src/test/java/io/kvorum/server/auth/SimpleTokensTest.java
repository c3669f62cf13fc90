package io.kvorum.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvorum.spi.auth.TokenGrant;
import io.kvorum.spi.auth.TokenInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** etcd's simple tokens: their form, their TTL from the last use, and what voids them. */
class SimpleTokensTest {
    private final AtomicLong now = new AtomicLong();
    private final CompletableFuture<Void> entry42 = new CompletableFuture<>();
    private final SimpleTokens tokens = new SimpleTokens(Duration.ofSeconds(300),
            index -> index <= 41 ? CompletableFuture.completedFuture(null) : entry42, now::get);

    @AfterEach
    void close() {
        tokens.close();
    }

    private Optional<TokenInfo> resolve(String token) throws Exception {
        return tokens.resolve(token, 7).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }

    @Test
    void aTokenIsSixteenLettersAndTheIndexOfItsEntry() throws Exception {
        tokens.enable();
        String nonce = tokens.nonce();
        assertTrue(nonce.matches("[a-zA-Z]{16}"), nonce);
        String token = tokens.assign(new TokenGrant("alice", 3, 41, nonce));
        assertEquals(nonce + ".41", token);
        assertEquals(Optional.of(new TokenInfo("alice", 7)), resolve(token));
        assertEquals(Optional.empty(), resolve(nonce + ".40"));
        assertEquals(Optional.empty(), resolve("no-dot"));
        assertEquals(Optional.empty(), resolve("a.b.1"));
        assertEquals(Optional.empty(), resolve("a.-1"));
    }

    @Test
    void aTokenLivesTheTtlFromItsLastUse() throws Exception {
        tokens.enable();
        String token = tokens.assign(new TokenGrant("alice", 3, 1, "AbcDefGhiJklMnoP"));
        now.addAndGet(TimeUnit.SECONDS.toNanos(200));
        tokens.sweep();
        assertTrue(resolve(token).isPresent()); // used: another 300 s from here
        now.addAndGet(TimeUnit.SECONDS.toNanos(299));
        tokens.sweep();
        assertTrue(resolve(token).isPresent());
        now.addAndGet(TimeUnit.SECONDS.toNanos(301));
        tokens.sweep();
        assertFalse(resolve(token).isPresent());
    }

    @Test
    void aTokenWhoseEntryIsNotAppliedYetIsHonouredOnceItIs() throws Exception {
        tokens.enable();
        CompletableFuture<Optional<TokenInfo>> early = tokens.resolve("AbcDefGhiJklMnoP.42", 7).toCompletableFuture();
        assertFalse(early.isDone());
        tokens.assign(new TokenGrant("alice", 3, 42, "AbcDefGhiJklMnoP"));
        entry42.complete(null);
        assertEquals("alice", early.get(1, TimeUnit.SECONDS).orElseThrow().user());
    }

    @Test
    void disablingAuthOrChangingTheUserVoidsTokens() throws Exception {
        tokens.enable();
        String alice = tokens.assign(new TokenGrant("alice", 3, 1, "a"));
        String bob = tokens.assign(new TokenGrant("bob", 3, 2, "b"));
        tokens.invalidateUser("alice");
        assertFalse(resolve(alice).isPresent());
        assertTrue(resolve(bob).isPresent());
        tokens.disable();
        tokens.enable();
        assertFalse(resolve(bob).isPresent());
        // while auth is off nothing is kept
        tokens.disable();
        String off = tokens.assign(new TokenGrant("bob", 3, 3, "c"));
        assertFalse(resolve(off).isPresent());
    }

    @Test
    void theAuthTokenFlagNamesTheProviderAndItsOptions() {
        AuthTokenSpec simple = AuthTokenSpec.parse("simple");
        assertEquals("simple", simple.provider());
        assertTrue(simple.options().asMap().isEmpty());
        AuthTokenSpec jwt = AuthTokenSpec.parse("jwt,pub-key=a.pub,priv-key=a.key,sign-method=RS256,ttl=5m");
        assertEquals("jwt", jwt.provider());
        assertEquals("RS256", jwt.options().get("sign-method").orElseThrow());
        assertEquals("5m", jwt.options().get("ttl").orElseThrow());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AuthTokenSpec.parse("jwt,pub-key"));
        assertTrue(bad.getMessage().startsWith("--auth-token: "), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AuthTokenSpec.parse(""));
    }
}
