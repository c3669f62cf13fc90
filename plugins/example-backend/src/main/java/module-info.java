/**
 * An example kvorum backend plugin, {@code --backend memory}: every key in memory, every commit
 * appended to a log file first. It needs nothing but kvorum's SPI, and exports nothing: kvorum
 * finds it through the {@code provides} clause below.
 */
module org.example.kvorum.memory {
    requires io.kvorum.spi;

    provides io.kvorum.spi.backend.BackendProvider with org.example.kvorum.memory.MemoryBackendProvider;
}
