/**
 * etcd's alarms: which are raised, on which member, persisted in the {@code alarm} bucket; and
 * the writes an active alarm refuses (CORRUPT: every write; NOSPACE: puts and lease grants).
 */
package io.kvorum.server.alarm;
