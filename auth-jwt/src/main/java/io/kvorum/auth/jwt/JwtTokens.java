package io.kvorum.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import io.kvorum.spi.auth.TokenGrant;
import io.kvorum.spi.auth.TokenInfo;
import io.kvorum.spi.auth.Tokens;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * etcd's {@code jwt} tokens: a JWS over the claims {@code username}, {@code revision} (the auth
 * revision at the authentication) and {@code exp} (signing time plus the TTL, in Unix seconds). A
 * token is whatever its signature and claims say, so any member with the key resolves any member's
 * token, and tokens survive restarts; nothing is kept, so {@link #disable} and
 * {@link #invalidateUser} have nothing to forget (a user's old tokens fail on the auth revision
 * instead, as in etcd).
 *
 * <p>A token is refused, as golang-jwt refuses it, when it is not a JWS, its {@code alg} is not
 * the configured sign method, its signature does not verify, it expired ({@code exp} before now;
 * {@code nbf} or {@code iat} after now), or it lacks the claims etcd reads.
 *
 * <p>Threads: immutable after construction; the signer and verifier are thread-safe.
 */
final class JwtTokens implements Tokens {
    static final String USERNAME = "username";
    static final String REVISION = "revision";
    static final String EXPIRES = "exp";

    private final SignMethod method;
    private final SigningKeys keys;
    private final Duration ttl;
    private final LongSupplier epochSeconds;

    JwtTokens(SignMethod method, SigningKeys keys, Duration ttl, LongSupplier epochSeconds) {
        this.method = method;
        this.keys = keys;
        this.ttl = ttl;
        this.epochSeconds = epochSeconds;
    }

    /** Whether this member only verifies (it was given a public key and no private key). */
    boolean verifyOnly() {
        return keys.signer().isEmpty();
    }

    @Override
    public String nonce() {
        return "";
    }

    /**
     * @throws UnsupportedOperationException on a verify-only member
     * @throws IllegalStateException         when the key cannot sign with the sign method
     */
    @Override
    public String assign(TokenGrant grant) {
        var signer = keys.signer().orElseThrow(() -> new UnsupportedOperationException(
                "auth: token signing attempted with verify-only key"));
        // etcd's claims, in the order Go's JSON encoder writes a map
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(EXPIRES, epochSeconds.getAsLong() + ttl.toSeconds());
        claims.put(REVISION, grant.authRevision());
        claims.put(USERNAME, grant.user());
        JWSObject jws = new JWSObject(new JWSHeader.Builder(method.algorithm()).type(JOSEObjectType.JWT).build(),
                new Payload(claims));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("key is invalid", e);
        }
        return jws.serialize();
    }

    @Override
    public CompletionStage<Optional<TokenInfo>> resolve(String token, long currentRevision) {
        return CompletableFuture.completedFuture(verify(token));
    }

    /** Whom a valid token stands for; empty for any token golang-jwt would refuse. */
    Optional<TokenInfo> verify(String token) {
        try {
            JWSObject jws = JWSObject.parse(token);
            if (!jws.getHeader().getAlgorithm().equals(method.algorithm()) || !jws.verify(keys.verifier())) {
                return Optional.empty();
            }
            Map<String, Object> claims = jws.getPayload().toJSONObject();
            if (claims == null || !timely(claims)) {
                return Optional.empty();
            }
            if (!(claims.get(USERNAME) instanceof String user) || !(claims.get(REVISION) instanceof Number revision)) {
                return Optional.empty();
            }
            return Optional.of(new TokenInfo(user, revision.longValue()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** golang-jwt's MapClaims.Valid: exp, iat and nbf checked when present, to the second. */
    private boolean timely(Map<String, Object> claims) {
        long now = epochSeconds.getAsLong();
        return atMost(claims.get(EXPIRES), now, true) && atMost(claims.get("iat"), now, false)
                && atMost(claims.get("nbf"), now, false);
    }

    /** An absent claim passes; a present one must be a number on the right side of now. */
    private static boolean atMost(Object claim, long now, boolean isExpiry) {
        if (claim == null) {
            return true;
        }
        if (!(claim instanceof Number n)) {
            return false;
        }
        long at = n.longValue();
        return isExpiry ? now <= at : at <= now;
    }

    @Override
    public void enable() {
    }

    @Override
    public void disable() {
    }

    @Override
    public void invalidateUser(String user) {
    }

    @Override
    public void close() {
    }
}
