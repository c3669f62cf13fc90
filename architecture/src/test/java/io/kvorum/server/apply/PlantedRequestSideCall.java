package io.kvorum.server.apply;

import io.kvorum.server.request.KvRequests;
import java.time.Duration;

/** A planted bug for {@code ServerRoomsTest}: the applier reaching into the request side. */
public final class PlantedRequestSideCall {
    Duration timeout() {
        return KvRequests.REQUEST_TIMEOUT;
    }
}
