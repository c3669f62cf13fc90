package io.kvorum.server.kv;

import io.kvorum.server.apply.Applier;
import java.time.Duration;

/** A planted bug for {@code ServerRoomsTest}: KV semantics depending on one of their users. */
public final class PlantedApplierCall {
    Duration warning() {
        return Applier.DEFAULT_WARNING_APPLY_DURATION;
    }
}
