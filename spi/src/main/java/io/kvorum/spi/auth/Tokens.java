package io.kvorum.spi.auth;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * One member's token issuer, as etcd's {@code TokenProvider}.
 *
 * <p>Threads: {@link #assign}, {@link #enable}, {@link #disable} and {@link #invalidateUser} are
 * called by the server's apply loop, in log order, on every member alike; they must be quick and
 * never block. {@link #nonce()} and {@link #resolve} are called by request threads at any time.
 */
public interface Tokens extends AutoCloseable {

    /**
     * What the member proposing an authentication puts into its log entry, so that every member
     * assigns the same token (etcd's simple-token prefix); empty when the issuer needs nothing.
     */
    String nonce();

    /**
     * The token for an authentication the log applied. Simple tokens are the same on every member
     * for the same grant; signed tokens may differ, as any member's verifies everywhere.
     *
     * @throws UnsupportedOperationException when this member only verifies tokens and issues none
     *                                       (a JWT member without a private key): the client gets
     *                                       etcd's "auth: token signing attempted with verify-only key"
     * @throws IllegalStateException         when the issuer fails to make a token (a key that cannot
     *                                       sign with its method): the client gets "key is invalid"
     */
    String assign(TokenGrant grant);

    /**
     * Whom {@code token} stands for, or empty if it is invalid or expired; {@code currentRevision}
     * is the auth store's revision now, for issuers whose tokens do not carry one.
     */
    CompletionStage<Optional<TokenInfo>> resolve(String token, long currentRevision);

    /** Authentication was turned on (also at start, when it is on): start honouring tokens. */
    void enable();

    /** Authentication was turned off: every token issued so far is void. */
    void disable();

    /** The user was deleted or got a new password: the tokens issued to them are void. */
    void invalidateUser(String user);

    /** Stops any timers; the issuer is not used again. */
    @Override
    void close();
}
