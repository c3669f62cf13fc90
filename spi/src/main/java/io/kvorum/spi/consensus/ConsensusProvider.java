package io.kvorum.spi.consensus;

import io.kvorum.spi.plugin.PluginProvider;
import java.io.IOException;

/** Found by {@link java.util.ServiceLoader}; selected by {@link #name()} (e.g. {@code --consensus standalone}). */
public interface ConsensusProvider extends PluginProvider {

    /** Builds the consensus instance; it starts delivering entries only after {@link Consensus#start()}. */
    Consensus create(ConsensusContext context) throws IOException;
}
