package io.kvorum.spi.backend;

import io.kvorum.spi.plugin.PluginProvider;
import java.io.IOException;

/** Found by {@link java.util.ServiceLoader}; selected by {@link #name()} (e.g. {@code --backend rocksdb}). */
public interface BackendProvider extends PluginProvider {

    /** Opens (creating if needed) the backend stored under {@link BackendContext#directory()}. */
    Backend open(BackendContext context) throws IOException;
}
