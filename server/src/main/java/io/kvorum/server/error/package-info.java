/** etcd's error contract: each failure a client can see, with its gRPC code and exact message. */
package io.kvorum.server.error;
