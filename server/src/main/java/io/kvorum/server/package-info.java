/**
 * The kvorum server and its embedding API: {@link io.kvorum.server.KvorumServer} and
 * {@link io.kvorum.server.ServerConfig}. Everything else in this module is internal.
 */
package io.kvorum.server;
