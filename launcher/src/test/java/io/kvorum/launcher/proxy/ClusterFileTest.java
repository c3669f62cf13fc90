package io.kvorum.launcher.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy's cluster file and the members answer of etcd's peers, in etcd's JSON. */
class ClusterFileTest {

    @Test
    void theClusterFileIsEtcdsJsonAndReadBack(@TempDir Path dir) throws IOException {
        ClusterFile file = new ClusterFile(dir);
        assertEquals(Optional.empty(), file.read());
        file.write(List.of("http://10.0.0.1:2380", "http://10.0.0.2:2380"));
        assertEquals("{\"PeerURLs\":[\"http://10.0.0.1:2380\",\"http://10.0.0.2:2380\"]}",
                Files.readString(dir.resolve("cluster")));
        assertFalse(Files.exists(dir.resolve("cluster.bak")));
        assertEquals(Optional.of(List.of("http://10.0.0.1:2380", "http://10.0.0.2:2380")), file.read());
    }

    @Test
    void aClusterFileEtcdWroteIsRead(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cluster"), "{\"peerurls\":[\"http://a:2380\"],\"Other\":{\"x\":[1]}}");
        assertEquals(Optional.of(List.of("http://a:2380")), new ClusterFile(dir).read());
        Files.writeString(dir.resolve("cluster"), "[1]");
        assertThrows(IOException.class, () -> new ClusterFile(dir).read());
    }

    @Test
    void theMembersOfEtcdsPeerAnswerGiveTheirPeerAndClientUrls() throws IOException {
        String json = "[{\"id\":10501334649042878790,\"name\":\"m1\",\"peerURLs\":[\"http://127.0.0.1:2380\"],"
                + "\"clientURLs\":[\"http://127.0.0.1:2379\"]},{\"id\":2,\"name\":\"\",\"peerURLs\":"
                + "[\"http://127.0.0.1:2480\"],\"clientURLs\":[],\"isLearner\":true}]";
        ClusterView view = EtcdPeerMembers.parse(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("http://127.0.0.1:2380", "http://127.0.0.1:2480"), view.peerUrls());
        assertEquals(List.of("http://127.0.0.1:2379"), view.clientUrls());
        assertThrows(IOException.class, () -> EtcdPeerMembers.parse("{\"members\":[]}".getBytes(StandardCharsets.UTF_8)));
    }
}
