package io.kvorum.spi.consensus;

import io.kvorum.spi.plugin.PluginProvider;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Found by {@link java.util.ServiceLoader}; selected by {@link #name()} (e.g. {@code --consensus standalone}). */
public interface ConsensusProvider extends PluginProvider {

    /** Builds the consensus instance; it starts delivering entries only after {@link Consensus#start()}. */
    Consensus create(ConsensusContext context) throws IOException;

    /**
     * The members of a running cluster, asked of the member at each of {@code peerUrls} in turn until
     * one answers, by a process that is no member (etcd's v2 proxy asks {@code GET /members} on the
     * peer port). Plain {@code http://} peer URLs only.
     *
     * @param timeout how long to wait for each peer's answer
     * @throws IOException                   when no peer answers
     * @throws UnsupportedOperationException when this consensus has no peers to ask (the default)
     */
    default List<Member> membersAt(List<URI> peerUrls, Duration timeout) throws IOException {
        throw new UnsupportedOperationException("the " + name() + " consensus has no peers to ask for the members");
    }
}
