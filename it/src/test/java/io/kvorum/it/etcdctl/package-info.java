/**
 * etcdctl scenarios: scripts of etcdctl commands run against real etcd and against kvorum, whose
 * normalized outputs must be equal step by step (golden transcripts stand in when etcd is absent).
 */
package io.kvorum.it.etcdctl;
