package io.kvorum.spi.auth;

import io.kvorum.spi.plugin.PluginOptions;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.LongFunction;

/**
 * What a token issuer is built with.
 *
 * @param options  the options after the provider's name in {@code --auth-token} ({@code pub-key=…})
 * @param ttl      {@code --auth-token-ttl}: how long a token lives unused, for issuers that do not
 *                 take their own {@code ttl} option
 * @param applied  completes once this member has applied the log entry at the given index; a
 *                 token assigned by an entry is resolvable on a member only after it applied it
 */
public record TokenContext(PluginOptions options, Duration ttl, LongFunction<CompletionStage<Void>> applied) {
}
