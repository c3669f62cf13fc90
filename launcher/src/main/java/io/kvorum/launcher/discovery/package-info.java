/**
 * Bootstrap from discovery: etcd's v2 discovery protocol ({@code --discovery}) against any v2 keys
 * endpoint, and the initial cluster from DNS SRV records ({@code --discovery-srv}). Start reading at
 * {@link io.kvorum.launcher.discovery.Bootstrap}, which turns the discovery flags into the member's
 * initial cluster before it starts; {@link io.kvorum.launcher.discovery.V2Discovery} is the protocol
 * and {@link io.kvorum.launcher.discovery.SrvCluster} the SRV lookup, both free of network code of
 * their own (behind {@link io.kvorum.launcher.discovery.KeysApi} and {@link io.kvorum.launcher.discovery.Dns}).
 */
package io.kvorum.launcher.discovery;
