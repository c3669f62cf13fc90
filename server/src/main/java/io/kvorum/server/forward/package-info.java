/**
 * What a member that does not lead asks the leader for, over the leader's client port: lease
 * renewals and time-to-live, which only the leader's lease clocks can answer.
 */
package io.kvorum.server.forward;
