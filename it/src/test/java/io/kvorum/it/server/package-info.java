/**
 * Starting and stopping the servers under test as real processes: the kvorum distribution or a real
 * etcd, the same way, so every black-box test can run against either.
 */
package io.kvorum.it.server;
