/**
 * etcd's v2 proxy ({@code --proxy on|readonly}): a process that is no member, finds the cluster's
 * client URLs from its peers, and forwards HTTP requests (the v2 API) to them in turn.
 * {@link io.kvorum.launcher.proxy.V2Proxy} is the room's entry point; {@link io.kvorum.launcher.proxy.Director}
 * chooses the endpoints and {@link io.kvorum.launcher.proxy.ReverseProxy} forwards.
 */
package io.kvorum.launcher.proxy;
