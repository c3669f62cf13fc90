package io.kvorum.launcher.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proxy's choice of endpoints, as etcd's director makes it. */
class DirectorTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private static Set<String> urls(List<Endpoint> endpoints) {
        return endpoints.stream().map(e -> e.url().toString()).collect(Collectors.toSet());
    }

    @Test
    void everyClientUrlIsAnAvailableEndpointInAShuffledOrder() {
        List<String> given = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            given.add("http://10.0.0." + i + ":2379");
        }
        Director director = new Director(() -> given, Duration.ofSeconds(5), timer, new Random(7));
        List<Endpoint> endpoints = director.endpoints();
        assertEquals(Set.copyOf(given), urls(endpoints));
        assertTrue(endpoints.stream().allMatch(Endpoint::available));
        Set<List<String>> orders = new java.util.HashSet<>();
        for (int i = 0; i < 10; i++) {
            director.refresh();
            orders.add(director.endpoints().stream().map(e -> e.url().toString()).toList());
        }
        assertTrue(orders.size() > 1, "each refresh shuffles the endpoints: " + orders);
    }

    @Test
    void aFailedEndpointIsLeftOutForTheFailureWaitThenTriedAgain() throws InterruptedException {
        Director director = new Director(() -> List.of("http://a:1", "http://b:2"), Duration.ofMillis(300), timer,
                new Random(1));
        Endpoint a = director.endpoints().stream().filter(e -> e.url().getHost().equals("a")).findFirst().orElseThrow();
        a.failed();
        a.failed(); // a second failure while it is out changes nothing
        assertFalse(a.available());
        assertEquals(Set.of("http://b:2"), urls(director.endpoints()));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!a.available() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(Set.of("http://a:1", "http://b:2"), urls(director.endpoints()));
    }

    @Test
    void aRefreshReplacesTheEndpointsWithTheClustersCurrentOnes() {
        AtomicReference<List<String>> cluster = new AtomicReference<>(List.of("http://a:1", "http://b:2"));
        Director director = new Director(cluster::get, Duration.ofSeconds(5), timer, new Random(1));
        director.endpoints().get(0).failed();
        cluster.set(List.of("http://b:2", "http://c:3"));
        director.refresh();
        assertEquals(Set.of("http://b:2", "http://c:3"), urls(director.endpoints()), "fresh endpoints are all available");
    }

    @Test
    void invalidUrlsAreLeftOut() {
        Director director = new Director(() -> List.of("http://a:1", "not a url", "no-scheme"), Duration.ofSeconds(5),
                timer, new Random(1));
        assertEquals(Set.of("http://a:1"), urls(director.endpoints()));
    }

    @Test
    void withoutEndpointsALongRefreshIntervalBecomesOneSecondAsEtcds() {
        AtomicReference<List<String>> cluster = new AtomicReference<>(List.of());
        Director director = new Director(cluster::get, Duration.ofSeconds(5), timer, new Random(1));
        assertEquals(Duration.ofSeconds(1), director.nextDelay(Duration.ofSeconds(30)));
        assertEquals(Duration.ofMillis(200), director.nextDelay(Duration.ofMillis(200)));
        cluster.set(List.of("http://a:1"));
        director.refresh();
        assertEquals(Duration.ofSeconds(30), director.nextDelay(Duration.ofSeconds(30)));
    }

    @Test
    void startKeepsAskingForTheEndpoints() throws InterruptedException {
        AtomicReference<List<String>> cluster = new AtomicReference<>(List.of("http://a:1"));
        Director director = new Director(cluster::get, Duration.ofSeconds(5), timer, new Random(1));
        director.start(Duration.ofMillis(50));
        cluster.set(List.of("http://z:9"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!urls(director.endpoints()).equals(Set.of("http://z:9")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(Set.of("http://z:9"), urls(director.endpoints()));
    }
}
