package io.kvorum.spi.backend;

import io.kvorum.spi.plugin.PluginOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * What a backend is opened with.
 *
 * @param directory where the backend keeps its files; it owns this directory alone
 * @param buckets   the buckets the server will use; a backend may create them up front
 * @param options   this plugin's own options
 */
public record BackendContext(Path directory, List<Bucket> buckets, PluginOptions options) {
    public BackendContext {
        buckets = List.copyOf(buckets);
    }
}
