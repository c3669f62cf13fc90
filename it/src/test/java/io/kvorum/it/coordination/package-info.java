/**
 * Watch, Lease, Lock and Election as clients see them: jetcd's clients and the raw gRPC streams,
 * including what happens over time (lease expiry) and across a restart of the server.
 */
package io.kvorum.it.coordination;
