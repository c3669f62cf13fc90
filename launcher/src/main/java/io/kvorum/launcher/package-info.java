/**
 * The command line: {@link io.kvorum.launcher.CommandLine} turns flags and variables into a
 * {@link io.kvorum.server.ServerConfig}; {@link io.kvorum.launcher.Main} starts the member with it.
 */
package io.kvorum.launcher;
