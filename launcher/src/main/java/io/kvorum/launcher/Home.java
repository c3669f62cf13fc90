package io.kvorum.launcher;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;

/**
 * The unpacked distribution this launcher runs from: {@code bin/kvorum} passes it as the system
 * property {@value #PROPERTY}; without it, it is the folder above the {@code lib/} that holds the
 * launcher's jar.
 */
final class Home {
    static final String PROPERTY = "kvorum.home";

    private Home() {
    }

    /** The distribution's {@code plugins/} folder, when there is one. */
    static Optional<Path> pluginsFolder() {
        return home().map(home -> home.resolve("plugins")).filter(Files::isDirectory);
    }

    private static Optional<Path> home() {
        String property = System.getProperty(PROPERTY, "");
        if (!property.isBlank()) {
            return Optional.of(Path.of(property));
        }
        CodeSource code = Home.class.getProtectionDomain().getCodeSource();
        if (code == null || code.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path jar = Path.of(code.getLocation().toURI());
            Path lib = jar.getParent();
            if (!Files.isRegularFile(jar) || lib == null || lib.getFileName() == null
                    || !lib.getFileName().toString().equals("lib")) {
                return Optional.empty();
            }
            return Optional.ofNullable(lib.getParent());
        } catch (URISyntaxException | IllegalArgumentException e) {
            // Not a file on a local disk: no distribution around it.
            return Optional.empty();
        }
    }
}
