package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void printsEtcdsVersionBlockWithKvorumsVersion() {
        List<String> lines = Version.text().lines().toList();

        assertEquals(4, lines.size(), lines.toString());
        assertEquals("kvorum Version: " + Version.projectVersion(), lines.get(0));
        assertEquals("API version: 3.5", lines.get(1));
        assertEquals("Java Version: " + Runtime.version(), lines.get(2));
        assertTrue(lines.get(3).matches("OS/Arch: [a-z0-9-]+/[a-z0-9_]+"), lines.get(3));
    }

    @Test
    void theProjectVersionIsFilledInByTheBuild() {
        assertTrue(Version.projectVersion().matches("\\d+\\.\\d+\\.\\d+.*"), Version.projectVersion());
    }

    @Test
    void osAndArchitectureAreNamedAsGoNamesThem() {
        assertEquals("linux/amd64", Version.osArch("Linux", "amd64"));
        assertEquals("linux/arm64", Version.osArch("Linux", "aarch64"));
        assertEquals("darwin/arm64", Version.osArch("Mac OS X", "aarch64"));
        assertEquals("darwin/amd64", Version.osArch("Mac OS X", "x86_64"));
        assertEquals("windows/386", Version.osArch("Windows 11", "x86"));
        assertEquals("freebsd/riscv64", Version.osArch("FreeBSD", "riscv64"));
    }
}
