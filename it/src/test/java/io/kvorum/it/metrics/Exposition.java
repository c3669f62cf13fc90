package io.kvorum.it.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text exposition (format 0.0.4) parsed into what must match etcd's: each family's type, label
 * names and bucket bounds, and each sample's value. Lines that do not parse fail the parse.
 */
record Exposition(Map<String, Family> families, Map<String, Double> samples) {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One family as compared with etcd's. */
    record Family(String name, String type, String labels, String buckets) {
        /** One line of the fixture's form: {@code name type labels buckets}. */
        String line() {
            return name + " " + type + " " + labels + " " + buckets;
        }

        static Family parse(String line) {
            String[] f = line.trim().split(" ");
            return new Family(f[0], f[1], f[2], f[3]);
        }
    }

    static Exposition scrape(URI metricsUrl) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metricsUrl).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError(metricsUrl + " answered " + r.statusCode() + ": " + r.body());
            }
            return parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Exposition parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, TreeSet<String>> labels = new LinkedHashMap<>();
        Map<String, List<String>> buckets = new LinkedHashMap<>();
        Map<String, String> firstBucketSeries = new LinkedHashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                current = f[2];
                types.put(current, f[3]);
                continue;
            }
            if (line.startsWith("#")) {
                throw new AssertionError("unknown comment line: " + line);
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || current == null) {
                throw new AssertionError("not a sample line: " + line);
            }
            String name = m.group(1);
            samples.put(name + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(4)));
            if (!name.equals(current) && !name.equals(current + "_bucket") && !name.equals(current + "_sum")
                    && !name.equals(current + "_count") && !name.equals(current + "_total") && !name.equals(current + "_created")) {
                throw new AssertionError("sample " + name + " outside its family " + current);
            }
            TreeSet<String> names = new TreeSet<>();
            String le = null;
            StringBuilder rest = new StringBuilder();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    if (l.group(1).equals("le") && name.endsWith("_bucket")) {
                        le = l.group(2);
                    } else {
                        names.add(l.group(1));
                        rest.append(l.group(0)).append(',');
                    }
                }
            }
            labels.putIfAbsent(current, names);
            if (le != null) {
                String series = rest.toString();
                firstBucketSeries.putIfAbsent(current, series);
                if (firstBucketSeries.get(current).equals(series)) {
                    buckets.computeIfAbsent(current, k -> new ArrayList<>()).add(le);
                }
            }
        }
        Map<String, Family> families = new LinkedHashMap<>();
        types.forEach((name, type) -> families.put(name, new Family(name, type,
                labels.getOrDefault(name, new TreeSet<>()).isEmpty() ? "-" : String.join(",", labels.get(name)),
                buckets.containsKey(name) ? String.join(",", buckets.get(name)) : "-")));
        return new Exposition(families, samples);
    }

    /** The fixture of etcd 3.4.23's families. */
    static Map<String, Family> etcdFixture() {
        return fixture("etcd-3.4.23-metrics.txt");
    }

    /**
     * The families etcd 3.5 added (3.5.11 for the health checks), as the contract gives them, and
     * those a running etcd shows only once something happened (a stream failure).
     */
    static Map<String, Family> etcd35Fixture() {
        return fixture("etcd-3.5-added-metrics.txt");
    }

    private static Map<String, Family> fixture(String resource) {
        try (InputStream in = Exposition.class.getResourceAsStream(resource)) {
            Map<String, Family> out = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    Family f = Family.parse(line);
                    out.put(f.name(), f);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sum of every sample of {@code name} (any labels). */
    double sum(String name) {
        double total = 0;
        for (var e : samples.entrySet()) {
            String key = e.getKey();
            if (key.equals(name) || key.startsWith(name + "{")) {
                total += e.getValue();
            }
        }
        return total;
    }
}
