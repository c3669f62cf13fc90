package io.kvorum.consensus.raft.core;

/**
 * What must be on stable storage before any message of the same {@link Ready} leaves the node:
 * forgetting the term or the vote would let this node vote twice in a term.
 *
 * @param term   the current term
 * @param vote   whom this node voted for in {@code term}, 0 for nobody
 * @param commit the highest index known committed
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, 0, 0);

    public boolean isEmpty() {
        return equals(EMPTY);
    }
}
