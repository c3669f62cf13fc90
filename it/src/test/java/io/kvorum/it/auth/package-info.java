/**
 * Auth beyond the etcdctl scenarios: JWT tokens between kvorum and real etcd, their start errors,
 * certificate (CN) authentication over mutual TLS, jetcd's auth client, and the JSON gateway with auth.
 */
package io.kvorum.it.auth;
