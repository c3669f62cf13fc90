package io.kvorum.spi.consensus;

/**
 * What {@code Maintenance.Status} and response headers report about consensus.
 *
 * @param memberId     this member
 * @param clusterId    the cluster
 * @param leaderId     the current leader, 0 when there is none
 * @param term         the current term
 * @param commitIndex  the highest index known committed
 * @param appliedIndex the highest index applied to the state machine
 * @param learner      whether this member is a learner
 */
public record ConsensusStatus(long memberId, long clusterId, long leaderId, long term, long commitIndex,
                              long appliedIndex, boolean learner) {
}
