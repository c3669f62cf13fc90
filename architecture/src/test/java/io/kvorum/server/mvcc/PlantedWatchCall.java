package io.kvorum.server.mvcc;

import io.kvorum.server.watch.WatchHub;

/** A planted bug for {@code ServerRoomsTest}: the store depending on what is built on it. */
public final class PlantedWatchCall {
    void publish(WatchHub hub) {
        hub.close();
    }
}
