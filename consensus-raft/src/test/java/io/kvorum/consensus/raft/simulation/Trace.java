package io.kvorum.consensus.raft.simulation;

import java.util.ArrayDeque;

/**
 * What happened in a run, for the report of a failing seed: the last events always, every event
 * when printing is asked for ({@code -Draft.sim.trace=true}). Details are formatted only when
 * shown, so tracing costs little when nothing fails.
 */
final class Trace {
    private static final int KEPT = 400;

    private record Event(long tick, String what, Object detail) {
        @Override
        public String toString() {
            return String.format("%6d %-14s %s", tick, what, detail);
        }
    }

    private final ArrayDeque<Event> last = new ArrayDeque<>(KEPT);
    private final boolean print;

    Trace(boolean print) {
        this.print = print;
    }

    void add(long tick, String what, Object detail) {
        Event e = new Event(tick, what, detail);
        if (print) {
            System.out.println(e);
        }
        if (last.size() == KEPT) {
            last.removeFirst();
        }
        last.addLast(e);
    }

    String tail() {
        StringBuilder s = new StringBuilder();
        last.forEach(e -> s.append(e).append('\n'));
        return s.toString();
    }
}
