/** Crash tests with real processes: what an acknowledged write promises after kill -9. */
package io.kvorum.it.durability;
