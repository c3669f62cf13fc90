/**
 * The consensus contract: propose bytes and have them delivered, committed and in order, to the
 * server's {@link io.kvorum.spi.consensus.StateMachine} on every member; linearizable read index;
 * membership; leadership transfer; status; questions members ask each other over the peer channel.
 */
package io.kvorum.spi.consensus;
