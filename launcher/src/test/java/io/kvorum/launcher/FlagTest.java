package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlagTest {

    @Test
    void variablesFollowEtcdsNamingRule() {
        assertEquals("ETCD_DATA_DIR", Flag.DATA_DIR.variable());
        assertEquals("ETCD_INITIAL_ADVERTISE_PEER_URLS", Flag.INITIAL_ADVERTISE_PEER_URLS.variable());
        assertEquals("ETCD_BACKEND_OPT", Flag.BACKEND_OPT.variable());
    }

    @Test
    void helpListsEveryFlagWithItsDefaultAndVariable() {
        String help = Flag.helpText();

        for (Flag flag : Flag.values()) {
            assertTrue(help.contains("  " + flag.display() + " "), flag.display());
            assertEquals(flag.readsEnvironment(), help.contains("env " + flag.variable()), flag.variable());
        }
        assertTrue(help.contains("--name 'default'\n"));
        assertTrue(help.contains("--data-dir '${name}.kvorum'\n"));
        assertTrue(help.contains("--listen-client-urls 'http://localhost:2379'\n"));
        assertTrue(help.contains("--initial-cluster-token 'etcd-cluster'\n"));
        assertTrue(help.contains("--max-request-bytes 1572864\n"));
        assertTrue(help.contains("--max-txn-ops 128\n"));
        assertTrue(help.contains("--log-level 'info'\n"));
        assertTrue(help.contains("--backend 'rocksdb'\n"));
        assertTrue(help.contains("--consensus 'raft'\n"));
    }

    @Test
    void theReadmesFlagTableListsEveryFlag() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));

        for (Flag flag : Flag.values()) {
            assertTrue(readme.contains("`" + flag.display() + "`") || readme.contains("`" + flag.display() + " "),
                    flag.display() + " is not in README.md's flag table");
        }
    }

    @Test
    void everyFlagOnlyAcceptedSaysWhatItDoesHere() {
        for (Flag flag : Flag.values()) {
            if (flag.support() != Flag.Support.IMPLEMENTED) {
                assertFalse(flag.note().isEmpty(), flag.display());
                assertTrue(Flag.helpText().contains("      kvorum: " + flag.note() + "\n"), flag.display());
            }
        }
    }

    @Test
    void onlyConfigurationFlagsComeFromTheEnvironment() {
        assertFalse(Flag.HELP.readsEnvironment());
        assertFalse(Flag.VERSION.readsEnvironment());
        assertTrue(Flag.NAME.readsEnvironment());
    }
}
