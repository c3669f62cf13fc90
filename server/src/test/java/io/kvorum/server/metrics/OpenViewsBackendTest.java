package io.kvorum.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.spi.backend.ReadView;
import io.kvorum.spi.metrics.Series;
import org.junit.jupiter.api.Test;

class OpenViewsBackendTest {
    private final Registry registry = new Registry();
    private final OpenViewsBackend backend = new OpenViewsBackend(new InMemoryBackend(),
            registry.gauge("etcd_mvcc_db_open_read_transactions", "The number of currently open read transactions"));

    private double open() {
        return registry.collect().stream().filter(f -> f.name().equals("etcd_mvcc_db_open_read_transactions"))
                .map(f -> ((Series.Value) f.series().get(0)).value()).findFirst().orElseThrow();
    }

    @Test
    void eachViewCountsFromItsOpeningUntilItsFirstClose() {
        assertEquals(0, open());
        ReadView first = backend.readView();
        ReadView second = backend.readView();
        assertEquals(2, open());
        first.close();
        first.close();
        assertEquals(1, open());
        second.close();
        assertEquals(0, open());
    }
}
