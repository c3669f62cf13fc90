package io.kvorum.server.auth;

import io.kvorum.spi.auth.TokenContext;
import io.kvorum.spi.auth.TokenGrant;
import io.kvorum.spi.auth.TokenInfo;
import io.kvorum.spi.auth.Tokens;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * etcd's {@code simple} tokens: {@code <16 random letters>.<index of the authenticating entry>},
 * kept in memory on every member (each applies the same entry and so assigns the same token), valid
 * until unused for the TTL ({@code --auth-token-ttl}), and lost on restart. A token whose entry this
 * member has not applied yet is honoured once it has.
 *
 * <p>Threads: {@link #assign}, {@link #enable}, {@link #disable} and {@link #invalidateUser} run
 * on the apply loop, {@link #resolve} on request threads, the expiry sweep on a timer thread of its
 * own (only while auth is on); the token table is guarded by {@code this}.
 */
public final class SimpleTokens implements Tokens {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(300);
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int LENGTH = 16;
    /** etcd's simpleTokenTTLResolution. */
    private static final long SWEEP_MILLIS = 1000;

    private final SecureRandom random = new SecureRandom();
    private final long ttlNanos;
    private final LongFunction<CompletionStage<Void>> applied;
    private final LongSupplier nanoTime;

    /** Token to its user and expiry; null while auth is off (then tokens are not kept). Guarded by this. */
    private Map<String, Held> tokens;
    private ScheduledExecutorService sweeper;

    private record Held(String user, long expiresAtNanos) {
    }

    SimpleTokens(Duration ttl, LongFunction<CompletionStage<Void>> applied, LongSupplier nanoTime) {
        this.ttlNanos = (ttl.isZero() || ttl.isNegative() ? DEFAULT_TTL : ttl).toNanos();
        this.applied = applied;
        this.nanoTime = nanoTime;
    }

    public static SimpleTokens create(Duration ttl, LongFunction<CompletionStage<Void>> applied) {
        return new SimpleTokens(ttl, applied, System::nanoTime);
    }

    /** From the {@code --auth-token simple} context; {@code simple} takes no options. */
    static SimpleTokens create(TokenContext context) {
        if (!context.options().asMap().isEmpty()) {
            throw new IllegalArgumentException("--auth-token: simple takes no options, got "
                    + context.options().asMap().keySet());
        }
        return create(context.ttl(), context.applied());
    }

    @Override
    public String nonce() {
        StringBuilder s = new StringBuilder(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            s.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
        }
        return s.toString();
    }

    @Override
    public synchronized String assign(TokenGrant grant) {
        String token = grant.nonce() + "." + grant.index();
        if (tokens != null) {
            tokens.put(token, new Held(grant.user(), nanoTime.getAsLong() + ttlNanos));
        }
        return token;
    }

    @Override
    public CompletionStage<Optional<TokenInfo>> resolve(String token, long currentRevision) {
        int dot = token.indexOf('.');
        if (dot < 0 || token.indexOf('.', dot + 1) >= 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        long index;
        try {
            index = Long.parseLong(token.substring(dot + 1));
        } catch (NumberFormatException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        if (index < 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Optional<TokenInfo> known = lookup(token, currentRevision);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known);
        }
        return applied.apply(index).handle((v, failure) -> failure != null ? Optional.empty() : lookup(token, currentRevision));
    }

    /** The token's holder, its TTL started again, as etcd's {@code info}. */
    private synchronized Optional<TokenInfo> lookup(String token, long currentRevision) {
        if (tokens == null) {
            return Optional.empty();
        }
        Held held = tokens.get(token);
        if (held == null) {
            return Optional.empty();
        }
        tokens.put(token, new Held(held.user(), nanoTime.getAsLong() + ttlNanos));
        return Optional.of(new TokenInfo(held.user(), currentRevision));
    }

    @Override
    public synchronized void enable() {
        if (tokens != null) {
            return;
        }
        tokens = new HashMap<>();
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvorum-simple-tokens");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void disable() {
        tokens = null;
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
    }

    @Override
    public synchronized void invalidateUser(String user) {
        if (tokens != null) {
            tokens.values().removeIf(h -> h.user().equals(user));
        }
    }

    /** Forgets the tokens unused for the TTL. */
    synchronized void sweep() {
        if (tokens == null) {
            return;
        }
        long now = nanoTime.getAsLong();
        for (Iterator<Held> it = tokens.values().iterator(); it.hasNext(); ) {
            if (now - it.next().expiresAtNanos() > 0) {
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        disable();
    }
}
