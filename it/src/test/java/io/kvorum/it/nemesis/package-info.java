/**
 * A black-box fault test with real processes: a 3-member cluster of the current target under a
 * seeded nemesis (kill -9 and restart, SIGSTOP/SIGCONT, a member cut off from its peers through TCP
 * proxies), while clients read, write and compare-and-set a few keys and a watcher on every member
 * follows them. Start at {@link io.kvorum.it.nemesis.NemesisTest}; the history checks are
 * {@link io.kvorum.it.nemesis.RegisterChecker} and {@link io.kvorum.it.nemesis.WatchLog}.
 */
package io.kvorum.it.nemesis;
