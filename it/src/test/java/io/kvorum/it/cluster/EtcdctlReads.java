package io.kvorum.it.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvorum.it.etcdctl.Etcdctl;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What a member holds, read through etcdctl in a form two members (kvorum's or etcd's) can be
 * compared by: the revision, every key at a revision, and the leases with their TTLs and keys.
 */
final class EtcdctlReads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Etcdctl etcdctl;

    EtcdctlReads(Etcdctl etcdctl) {
        this.etcdctl = etcdctl;
    }

    /** etcdctl's output, trimmed; fails unless it exits 0. */
    String ok(URI url, String... args) {
        Etcdctl.Result r = etcdctl.run(url, List.of(args), "");
        if (r.exitCode() != 0) {
            throw new AssertionError("etcdctl " + String.join(" ", args) + " at " + url + " failed: " + r.stderr());
        }
        return r.stdout().trim();
    }

    long revision(URI url) throws IOException {
        return JSON.readTree(ok(url, "get", "/", "-w", "json")).get("header").get("revision").asLong();
    }

    /** Every key with its revisions and value at {@code rev}, as JSON. */
    String everything(URI url, long rev) throws IOException {
        JsonNode kvs = JSON.readTree(ok(url, "get", "", "--from-key", "--rev=" + rev, "-w", "json")).get("kvs");
        return kvs == null ? "[]" : kvs.toString();
    }

    /** Each lease as "id granted-ttl [keys]", by id. */
    List<String> leases(URI url) throws IOException {
        List<String> out = new ArrayList<>();
        TreeSet<Long> ids = new TreeSet<>();
        JSON.readTree(ok(url, "lease", "list", "-w", "json")).get("leases").forEach(l -> ids.add(l.get("id").asLong()));
        for (long id : ids) {
            JsonNode ttl = JSON.readTree(ok(url, "lease", "timetolive", Long.toHexString(id), "--keys", "-w", "json"));
            TreeSet<String> keys = new TreeSet<>();
            if (ttl.get("keys") != null) {
                ttl.get("keys").forEach(k -> keys.add(k.asText()));
            }
            out.add(id + " " + ttl.get("granted-ttl").asLong() + " " + keys);
        }
        return out;
    }
}
