package io.kvorum.consensus.raft.core;

/**
 * A node's state for status reports.
 *
 * @param id             this member
 * @param hardState      term, vote and commit index
 * @param softState      leader and role
 * @param applied        the index the application has applied
 * @param learner        whether this member is a learner
 * @param leadTransferee the member leadership is being transferred to, 0 if none
 */
public record Status(long id, HardState hardState, SoftState softState, long applied, boolean learner,
                     long leadTransferee) {
}
