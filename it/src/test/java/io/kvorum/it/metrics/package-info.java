/**
 * Black-box tests of the metrics: the exposition against etcd's (names, types, labels, buckets),
 * and a real Prometheus scraping a cluster and answering the queries of etcd's dashboards and alerts.
 */
package io.kvorum.it.metrics;
