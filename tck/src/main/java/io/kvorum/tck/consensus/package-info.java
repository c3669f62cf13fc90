/**
 * The consensus TCK: {@link io.kvorum.tck.consensus.ConsensusTck}, the behaviour every
 * {@link io.kvorum.spi.consensus.Consensus} owes the server, as tests a consensus plugin extends.
 */
package io.kvorum.tck.consensus;
