/**
 * {@link io.kvorum.junit.KvorumMember}: one embedded kvorum member per test class, its endpoint
 * or {@link io.kvorum.server.KvorumServer} handed to the tests by {@link io.kvorum.junit.KvorumExtension}.
 */
package io.kvorum.junit;
