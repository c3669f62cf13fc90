package io.kvorum.spi.consensus;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One member's consensus instance. Futures fail with {@link ConsensusException} for the failures
 * etcd clients know by name.
 */
public interface Consensus extends AutoCloseable {

    /** Recovers from its files, delivers any committed entries not yet applied, then serves. */
    void start() throws IOException;

    /**
     * Proposes bytes for the log. The future completes once the entry is accepted for ordering;
     * the server learns the outcome when the entry reaches {@link StateMachine#apply}. It fails
     * when the proposal cannot be accepted (no leader, stopped, overloaded).
     */
    CompletableFuture<Void> propose(byte[] data);

    /**
     * The index a linearizable read must wait for: once the state machine has applied it, a read
     * of local state reflects every write acknowledged before this call.
     */
    CompletableFuture<Long> readIndex();

    ConsensusStatus status();

    /** The members as this member knows them now. */
    List<Member> members();

    /** Adds a member; completes with the new member once the change is committed. */
    CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner);

    CompletableFuture<Void> removeMember(long memberId);

    CompletableFuture<Void> updateMember(long memberId, List<String> peerUrls);

    CompletableFuture<Void> promoteMember(long memberId);

    CompletableFuture<Void> transferLeadership(long targetMemberId);

    /**
     * Whether the log itself survives a crash. When false, the state machine is told to make each
     * applied batch durable itself (see {@link StateMachine#apply}).
     */
    boolean logIsDurable();

    /**
     * Completes once this member has applied its own removal from the cluster; the server then
     * stops, as etcd's does. Completed on a thread of the provider's choosing that is not the
     * one applying entries. A provider without membership changes never completes it.
     */
    default CompletableFuture<Void> removal() {
        return new CompletableFuture<>();
    }

    @Override
    void close() throws IOException;
}
