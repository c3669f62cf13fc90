/**
 * kvorum's technology compatibility kit: abstract JUnit suites a plugin runs against itself by
 * extending them in its own tests. Depends on the SPI and JUnit's API only.
 */
module io.kvorum.tck {
    requires transitive io.kvorum.spi;
    requires transitive org.junit.jupiter.api;

    exports io.kvorum.tck.backend;
    exports io.kvorum.tck.consensus;
    // JUnit reads the suites' test methods and fields reflectively
    opens io.kvorum.tck.backend to org.junit.platform.commons;
    opens io.kvorum.tck.consensus to org.junit.platform.commons;

    // the crash test finds the backend under test by name in a child JVM, as the launcher would
    uses io.kvorum.spi.backend.BackendProvider;
}
