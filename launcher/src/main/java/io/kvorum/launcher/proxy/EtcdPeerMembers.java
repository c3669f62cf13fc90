package io.kvorum.launcher.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks etcd's peer port: {@code GET <peer URL>/members}, a JSON array of the members with their
 * {@code peerURLs} and {@code clientURLs}, answered with the {@code X-Etcd-Cluster-ID} header, as
 * etcd's {@code GetClusterFromRemotePeers}. The peers of a real etcd cluster answer it; kvorum's
 * raft peers speak gRPC and are asked through the consensus instead.
 */
final class EtcdPeerMembers implements ClusterLookup {
    /** etcd's bound on the whole exchange with one peer. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** A members list is small; a larger answer is no members list. */
    private static final int MAX_ANSWER_BYTES = 4 << 20;
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpClient http;

    EtcdPeerMembers(HttpClient http) {
        this.http = http;
    }

    @Override
    public ClusterView lookup(List<String> peerUrls) throws IOException {
        String lastProblem = "no peer URL";
        for (String peer : peerUrls) {
            String address = peer + "/members";
            try {
                HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(address)).timeout(TIMEOUT).GET()
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
                if (answer.body().length > MAX_ANSWER_BYTES) {
                    lastProblem = address + ": an answer of " + answer.body().length + " bytes";
                    continue;
                }
                if (answer.headers().firstValue("X-Etcd-Cluster-ID").isEmpty()) {
                    lastProblem = address + ": no X-Etcd-Cluster-ID header (status " + answer.statusCode() + ")";
                    continue;
                }
                return parse(answer.body());
            } catch (IOException | IllegalArgumentException e) {
                lastProblem = address + ": " + e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while asking " + address, e);
            }
        }
        throw new IOException("could not retrieve cluster information from the given URLs: " + lastProblem);
    }

    /** The members array: the peer and client URLs of each member; every other field is skipped. */
    static ClusterView parse(byte[] json) throws IOException {
        List<String> peers = new ArrayList<>();
        List<String> clients = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("the members are not a JSON array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if ((field.equals("peerURLs") || field.equals("clientURLs")) && value == JsonToken.START_ARRAY) {
                        List<String> into = field.equals("peerURLs") ? peers : clients;
                        while (p.nextToken() == JsonToken.VALUE_STRING) {
                            into.add(p.getText());
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw new IOException("malformed members array");
            }
        }
        return new ClusterView(peers, clients);
    }
}
