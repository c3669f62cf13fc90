package io.kvorum.server.mvcc;

/** The revision asked for is older than the compacted revision: its history is gone. */
public final class CompactedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CompactedException() {
        super("mvcc: required revision has been compacted");
    }
}
