/**
 * etcd's error contract on the wire: for each invalid request the exact gRPC status code and
 * message, and proof that the request changed nothing.
 */
package io.kvorum.it.errors;
