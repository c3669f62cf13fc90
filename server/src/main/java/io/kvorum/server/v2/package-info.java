/**
 * etcd's v2 store: the tree of files and directories the v2 keys API serves, its TTLs, its store
 * index, the watcher hub with its 1,000-event history, and the v2 error codes. Start with
 * {@link io.kvorum.server.v2.V2Store}; it is changed only by the apply loop, through the log.
 */
package io.kvorum.server.v2;
