package io.kvorum.launcher;

import io.kvorum.server.EtcdVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Properties;

/** What {@code kvorum --version} prints, in the shape of etcd's {@code etcd Version: ...} block. */
final class Version {

    /** The etcd API kvorum serves; clients gate features on it. */
    static final String API_VERSION = EtcdVersion.API;

    private Version() {
    }

    static String text() {
        return "kvorum Version: " + projectVersion() + "\n"
                + "API version: " + API_VERSION + "\n"
                + "Java Version: " + Runtime.version() + "\n"
                + "OS/Arch: " + osArch(System.getProperty("os.name"), System.getProperty("os.arch")) + "\n";
    }

    /** The version the build wrote into {@code version.properties}. */
    static String projectVersion() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Java's os.name and os.arch in Go's GOOS/GOARCH words, as etcd prints them: {@code linux/amd64}. */
    static String osArch(String osName, String osArch) {
        String name = osName.toLowerCase(Locale.ROOT);
        String os = name.startsWith("mac") ? "darwin"
                : name.startsWith("windows") ? "windows"
                : name.replace(' ', '-');
        String arch = switch (osArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            default -> osArch;
        };
        return os + "/" + arch;
    }
}
