package io.kvorum.spi.auth;

/**
 * Whom a token stands for.
 *
 * @param user         the user the token was assigned to
 * @param authRevision the auth revision the token vouches for: permission checks of a request
 *                     made with an older one fail with "revision of auth store is old"
 */
public record TokenInfo(String user, long authRevision) {
}
