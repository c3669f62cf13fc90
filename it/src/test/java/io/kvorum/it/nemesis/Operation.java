package io.kvorum.it.nemesis;

/**
 * One client operation on a register (one key) as the client saw it. Values are unique in a
 * history (each write writes a value no other write writes); 0 stands for an absent key.
 *
 * @param id       unique in the history, in order of invocation per client
 * @param client   which client ran it
 * @param member   the member it was sent to
 * @param key      the register
 * @param kind     get, put or compare-and-set
 * @param expected for a CAS, the value it compared with
 * @param value    for a get, the value read; for a put or CAS, the value written
 * @param outcome  how it ended: acknowledged, CAS compare failed, or unknown (error, deadline)
 * @param read     for a CAS whose compare failed, the value the key had instead (its else branch)
 * @param revision the revision the member reported for an acknowledged write, else 0
 * @param invoke   when the client sent it, in nanoseconds on the test's clock
 * @param response when the answer came; {@link #UNKNOWN} for an unknown outcome: a write that may
 *                 have taken effect at any time after {@code invoke}, or never
 */
record Operation(long id, int client, String member, String key, Kind kind, long expected, long value,
        Outcome outcome, long read, long revision, long invoke, long response) {
    static final long UNKNOWN = Long.MAX_VALUE;

    enum Kind { GET, PUT, CAS }

    enum Outcome { OK, CAS_FAILED, UNKNOWN }

    Operation {
        if (response <= invoke) {
            throw new IllegalArgumentException("operation " + id + " responds at " + response
                    + ", not after its invocation at " + invoke);
        }
        if ((outcome == Outcome.UNKNOWN) != (response == UNKNOWN)) {
            throw new IllegalArgumentException("operation " + id + ": an unknown outcome has no response time");
        }
        if (kind == Kind.GET && outcome != Outcome.OK) {
            throw new IllegalArgumentException("a get without an answer tells nothing; leave it out");
        }
        if (kind != Kind.CAS && outcome == Outcome.CAS_FAILED) {
            throw new IllegalArgumentException("only a CAS can fail its compare");
        }
    }

    boolean writes() {
        return kind != Kind.GET;
    }

    /** An acknowledged write that took effect: an acked put or a CAS whose compare held. */
    boolean ackedWrite() {
        return writes() && outcome == Outcome.OK;
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case GET -> "get " + key + " -> " + value;
            case PUT -> "put " + key + "=" + value;
            case CAS -> "cas " + key + " " + expected + "->" + value
                    + (outcome == Outcome.CAS_FAILED ? " failed, was " + read : "");
        };
        return "#" + id + " c" + client + "@" + member + " " + what + (outcome == Outcome.UNKNOWN ? " (unknown)" : "")
                + (revision == 0 ? "" : " rev " + revision) + " [" + invoke / 1_000_000.0 + " ms, "
                + (response == UNKNOWN ? "?" : response / 1_000_000.0 + " ms") + "]";
    }
}
