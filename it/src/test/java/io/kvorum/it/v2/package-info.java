/** etcd's v2 API ({@code --enable-v2}): the same steps against real etcd and kvorum, outputs compared. */
package io.kvorum.it.v2;
