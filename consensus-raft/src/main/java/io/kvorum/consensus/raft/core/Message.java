package io.kvorum.consensus.raft.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Everything nodes tell each other, one record for all {@link MessageType}s as in etcd (fields a
 * type does not use stay zero or empty). Build with {@link #builder(MessageType)}.
 *
 * @param type       what it is
 * @param to         the receiving member
 * @param from       the sending member
 * @param term       the sender's term; 0 for local messages and for proposals and read requests
 *                   forwarded to the leader, which are valid in any term
 * @param logTerm    the term at {@code index}: of the entry preceding {@code entries} in
 *                   {@code APP}, of the candidate's last entry in votes, of the rejection hint in
 *                   a rejecting {@code APP_RESP}
 * @param index      the entry index the message is about
 * @param entries    entries to append or propose
 * @param commit     the sender's commit index
 * @param snapshot   for {@code SNAP}; {@link Snapshot#EMPTY} otherwise
 * @param reject     a refusal (vote denied, append mismatched, snapshot failed)
 * @param rejectHint where a rejecting follower suggests the leader probe next
 * @param context    opaque bytes: identifies a read request, or marks a leader-transfer campaign
 */
public record Message(MessageType type, long to, long from, long term, long logTerm, long index,
                      List<LogEntry> entries, long commit, Snapshot snapshot, boolean reject, long rejectHint,
                      byte[] context) {
    private static final byte[] NO_CONTEXT = new byte[0];

    public Message {
        Objects.requireNonNull(type, "type");
        entries = List.copyOf(entries);
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(context, "context");
    }

    public static Builder builder(MessageType type) {
        return new Builder(type);
    }

    /** A builder preset with this message's fields. */
    public Builder toBuilder() {
        return new Builder(type).to(to).from(from).term(term).logTerm(logTerm).index(index).entries(entries)
                .commit(commit).snapshot(snapshot).reject(reject).rejectHint(rejectHint).context(context);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && m.type == type && m.to == to && m.from == from && m.term == term
                && m.logTerm == logTerm && m.index == index && m.entries.equals(entries) && m.commit == commit
                && m.snapshot.equals(snapshot) && m.reject == reject && m.rejectHint == rejectHint
                && Arrays.equals(m.context, context);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, to, from, term, logTerm, index, entries, commit, snapshot, reject, rejectHint)
                * 31 + Arrays.hashCode(context);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(type).append(' ').append(from).append("->").append(to)
                .append(" t").append(term);
        if (logTerm != 0 || index != 0) {
            s.append(" idx ").append(index).append('@').append(logTerm);
        }
        if (!entries.isEmpty()) {
            s.append(" ents ").append(entries.get(0).index()).append("..").append(entries.get(entries.size() - 1).index());
        }
        if (commit != 0) {
            s.append(" commit ").append(commit);
        }
        if (!snapshot.isEmpty()) {
            s.append(' ').append(snapshot);
        }
        if (reject) {
            s.append(" REJECT hint ").append(rejectHint);
        }
        if (context.length > 0) {
            s.append(" ctx ").append(context.length).append('B');
        }
        return s.toString();
    }

    /** Builds a {@link Message}; unset fields are zero or empty. */
    public static final class Builder {
        private final MessageType type;
        private long to;
        private long from;
        private long term;
        private long logTerm;
        private long index;
        private List<LogEntry> entries = List.of();
        private long commit;
        private Snapshot snapshot = Snapshot.EMPTY;
        private boolean reject;
        private long rejectHint;
        private byte[] context = NO_CONTEXT;

        private Builder(MessageType type) {
            this.type = type;
        }

        public Builder to(long value) {
            to = value;
            return this;
        }

        public Builder from(long value) {
            from = value;
            return this;
        }

        public Builder term(long value) {
            term = value;
            return this;
        }

        public Builder logTerm(long value) {
            logTerm = value;
            return this;
        }

        public Builder index(long value) {
            index = value;
            return this;
        }

        public Builder entries(List<LogEntry> value) {
            entries = value;
            return this;
        }

        public Builder commit(long value) {
            commit = value;
            return this;
        }

        public Builder snapshot(Snapshot value) {
            snapshot = value;
            return this;
        }

        public Builder reject(boolean value) {
            reject = value;
            return this;
        }

        public Builder rejectHint(long value) {
            rejectHint = value;
            return this;
        }

        public Builder context(byte[] value) {
            context = value;
            return this;
        }

        public Message build() {
            return new Message(type, to, from, term, logTerm, index, entries, commit, snapshot, reject, rejectHint,
                    context);
        }
    }
}
