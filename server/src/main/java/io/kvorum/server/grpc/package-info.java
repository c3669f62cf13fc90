/**
 * The client-facing edge: etcd's gRPC services, request validation before consensus, and the
 * mapping of every failure to etcd's exact wire error.
 */
package io.kvorum.server.grpc;
