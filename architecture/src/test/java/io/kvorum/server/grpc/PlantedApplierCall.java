package io.kvorum.server.grpc;

import io.kvorum.server.apply.Applier;
import java.time.Duration;

/** A planted bug for {@code ServerRoomsTest}: the edge reaching the applier past the request side. */
public final class PlantedApplierCall {
    Duration warning() {
        return Applier.DEFAULT_WARNING_APPLY_DURATION;
    }
}
