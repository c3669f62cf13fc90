package io.kvorum.spi.metrics;

import java.util.Objects;

/**
 * An answer to a scrape of {@code /metrics}.
 *
 * @param contentType the media type of {@code body}, e.g. {@code text/plain; version=0.0.4; charset=utf-8}
 * @param body        the exposition; the caller takes it over
 */
public record Exposition(String contentType, byte[] body) {
    public Exposition {
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }
}
