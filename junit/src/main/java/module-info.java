/**
 * kvorum for applications' own tests: a JUnit 5 extension that starts an embedded member per
 * test class. Users add the backend they test with (e.g. {@code kvorum-backend-sqlite}) beside it.
 */
module io.kvorum.junit {
    requires transitive io.kvorum.server;
    requires transitive org.junit.jupiter.api;

    exports io.kvorum.junit;
    // JUnit instantiates the extension reflectively
    opens io.kvorum.junit to org.junit.platform.commons;
}
