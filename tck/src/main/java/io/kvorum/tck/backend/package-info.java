/**
 * The backend TCK: {@link io.kvorum.tck.backend.BackendTck}, the behaviour every
 * {@link io.kvorum.spi.backend.Backend} owes the server, as tests a backend plugin extends.
 */
package io.kvorum.tck.backend;
