package io.kvorum.spi.auth;

/**
 * An authentication as the log carries it, for {@link Tokens#assign}.
 *
 * @param user         the user whose password was checked
 * @param authRevision the auth store's revision when the entry was applied
 * @param index        the index of the log entry that authenticates
 * @param nonce        what {@link Tokens#nonce()} gave the member that proposed the entry
 */
public record TokenGrant(String user, long authRevision, long index, String nonce) {
}
