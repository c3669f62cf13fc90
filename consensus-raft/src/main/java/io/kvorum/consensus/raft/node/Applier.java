package io.kvorum.consensus.raft.node;

import io.kvorum.consensus.raft.core.ConfChange;
import io.kvorum.consensus.raft.core.ConfChangeType;
import io.kvorum.consensus.raft.core.Encoding;
import io.kvorum.consensus.raft.core.EntryType;
import io.kvorum.consensus.raft.core.LogEntry;
import io.kvorum.spi.consensus.ConsensusException;
import io.kvorum.spi.consensus.Entry;
import io.kvorum.spi.consensus.Member;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Applies committed entries, as etcd's {@code apply.go}: the consensus' own (configuration
 * changes, a member's published name, a peer URL update) to the core and the member registry,
 * with the same refusals on every member, answering the requests waiting for them; and hands the
 * application's to the state machine through the {@link ApplyStage} (only those after its own
 * applied index, which is the truth about what it stored).
 *
 * <p><b>Threads.</b> The driver thread only; the state machine's {@code apply} runs on the
 * {@link ApplyStage}, in the order handed over.
 */
final class Applier {
    private final RaftNode node;

    Applier(RaftNode node) {
        this.node = node;
    }

    void apply(List<LogEntry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long smApplied = node.stateMachine.appliedIndex();
        List<Entry> batch = new ArrayList<>(committed.size());
        List<Runnable> afterApply = new ArrayList<>();
        boolean changed = false;
        for (LogEntry e : committed) {
            if (e.index() <= node.applied) {
                continue;
            }
            byte[] data = Wire.NO_DATA;
            if (e.type() == EntryType.CONF_CHANGE) {
                applyConfChange(e, afterApply);
                changed = true;
            } else if (e.data().length > 0) {
                if (e.data()[0] == Wire.APPLICATION) {
                    // what the state machine already holds (replayed at a restart) is not copied
                    if (e.index() > smApplied) {
                        data = Arrays.copyOfRange(e.data(), 1, e.data().length);
                    }
                } else {
                    applyInternal(e, afterApply);
                    changed = true;
                }
            }
            if (e.index() > smApplied) {
                batch.add(new Entry(e.index(), e.term(), data));
            }
            node.applied = e.index();
        }
        if (!batch.isEmpty()) {
            // A snapshot follows this batch: the state machine must hold everything up to it durably
            // before the log that could replay it is released.
            node.applyStage.submit(batch, node.applied - node.snapshotIndex >= node.settings.snapshotCount(),
                    node.queue.isEmpty());
        }
        if (changed) {
            node.membership.membersChanged();
        }
        afterApply.forEach(Runnable::run);
        node.pending.applied(node.applied);
    }

    private void applyConfChange(LogEntry e, List<Runnable> afterApply) {
        ConfChange cc = Encoding.decodeConfChange(e.data());
        ChangeContext ctx = ChangeContext.decode(cc.context());
        MemberRegistry registry = node.registry;
        Optional<ConsensusException> refusal = switch (cc.type()) {
            case ADD_NODE -> ctx.promote() ? registry.refusePromote(cc.nodeId())
                    : registry.refuseAdd(ctx.member(), node.options.maxLearners());
            case ADD_LEARNER_NODE -> registry.refuseAdd(ctx.member(), node.options.maxLearners());
            case REMOVE_NODE -> registry.refuseRemove(cc.nodeId());
        };
        if (refusal.isPresent()) {
            // Refused alike on every member: the core applies a no-op in its place.
            node.raw.applyConfChange(new ConfChange(cc.type(), 0));
            afterApply.add(() -> node.pending.answer(ctx.requestId(), Wire.failure(refusal.get())));
            return;
        }
        switch (cc.type()) {
            case ADD_NODE, ADD_LEARNER_NODE -> {
                if (ctx.promote()) {
                    registry.promote(cc.nodeId());
                } else {
                    registry.add(ctx.member());
                }
            }
            case REMOVE_NODE -> registry.remove(cc.nodeId());
        }
        node.raw.applyConfChange(cc);
        if (cc.type() == ConfChangeType.REMOVE_NODE && cc.nodeId() == node.memberId) {
            // A leader stays a moment, as etcd's does, so that the others learn the commit
            // (and a forwarded MemberRemove its answer) before they must elect another.
            long delayMillis = node.isLeader() ? 10 * node.settings.heartbeatInterval().toMillis() : 0;
            afterApply.add(() -> node.membership.learnRemoved("applied its removal", delayMillis));
        }
        Member member = registry.get(cc.nodeId()).orElse(ctx.member());
        afterApply.add(() -> node.pending.answer(ctx.requestId(),
                Wire.answer(Wire.bytes(out -> Wire.writeMember(out, member)))));
    }

    private void applyInternal(LogEntry e, List<Runnable> afterApply) {
        byte[] body = Arrays.copyOfRange(e.data(), 1, e.data().length);
        MemberRegistry registry = node.registry;
        switch (e.data()[0]) {
            case Wire.PUBLISH -> Wire.read(body, in -> {
                long id = in.readLong();
                String name = in.readUTF();
                List<String> clientUrls = Wire.readStrings(in);
                registry.publish(id, name, clientUrls);
                // once members() shows it too
                afterApply.add(() -> node.membership.published(id, name, clientUrls));
                return null;
            });
            case Wire.UPDATE -> Wire.read(body, in -> {
                long requestId = in.readLong();
                long id = in.readLong();
                List<String> peerUrls = Wire.readStrings(in);
                Optional<ConsensusException> refusal = registry.refuseUpdate(id, peerUrls);
                if (refusal.isPresent()) {
                    afterApply.add(() -> node.pending.answer(requestId, Wire.failure(refusal.get())));
                } else {
                    registry.updatePeerUrls(id, peerUrls);
                    afterApply.add(() -> node.pending.answer(requestId, Wire.answer(Wire.NO_DATA)));
                }
                return null;
            });
            default -> throw new IllegalStateException("entry " + e.index() + " has unknown kind " + e.data()[0]);
        }
    }
}
