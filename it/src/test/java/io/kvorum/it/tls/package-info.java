/**
 * TLS on the client port, black-box: the distribution started with etcd's TLS flags and driven by
 * etcdctl with {@code --cacert}/{@code --cert}/{@code --key}; certificates are made by each test.
 */
package io.kvorum.it.tls;
