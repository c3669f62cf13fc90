/** Cluster identity as etcd derives it: member and cluster ids from peer URLs and the cluster token. */
package io.kvorum.server.cluster;
