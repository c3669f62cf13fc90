/**
 * The distribution's slf4j binding: etcd's log formats (zap's JSON and console lines, capnslog's
 * text) on the outputs {@code --log-outputs} names. Installed by {@code Main} before the first
 * logger is asked for; nothing else in kvorum names these classes.
 */
package io.kvorum.launcher.log;
