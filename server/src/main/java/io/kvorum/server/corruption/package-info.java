/**
 * etcd's corruption checks: a member compares its HashKV with its peers' before it serves
 * ({@code --experimental-initial-corrupt-check}), and the leader compares the members' now and
 * then ({@code --experimental-corrupt-check-time}), raising the CORRUPT alarm on a mismatch.
 */
package io.kvorum.server.corruption;
