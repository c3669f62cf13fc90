/**
 * The clients the black-box tests talk through: plain grpc-java stubs (no client library's retries
 * or conversions), and small conveniences for jetcd.
 */
package io.kvorum.it.client;
