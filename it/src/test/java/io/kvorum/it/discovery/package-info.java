/**
 * Bootstrapping a cluster by discovery: etcd's v2 discovery protocol against a kvorum serving the
 * v2 API ({@code --discovery}), and DNS SRV records served by a DNS responder on loopback
 * ({@code --discovery-srv}); real etcd's errors compared where it can use the same service.
 */
package io.kvorum.it.discovery;
