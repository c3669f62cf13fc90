package io.kvorum.junit;

import io.kvorum.server.KvorumServer;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.plugin.PluginOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

/**
 * The extension behind {@link KvorumMember}: starts the member before the class's first test,
 * keeps it in the class's extension store (so nested classes share it and JUnit closes it after
 * the class), and hands it to parameters and fields.
 */
public final class KvorumExtension implements BeforeAllCallback, TestInstancePostProcessor, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KvorumExtension.class);
    private static final URI ANY_LOOPBACK_PORT = URI.create("http://127.0.0.1:0");

    @Override
    public void beforeAll(ExtensionContext context) {
        Member member = member(context);
        inject(context.getRequiredTestClass(), null, member);
    }

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) {
        inject(testInstance.getClass(), testInstance, member(context));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KvorumServer.class
                || parameter.isAnnotated(KvorumEndpoint.class) && (type == URI.class || type == String.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        Member member = member(context);
        if (type == KvorumServer.class) {
            return member.server();
        }
        if (parameter.isAnnotated(KvorumEndpoint.class)) {
            return type == URI.class ? member.endpoint() : member.endpoint().toString();
        }
        throw new ParameterResolutionException("kvorum cannot supply a " + type.getName());
    }

    /** The member of the nearest class that declares one, started on first use. */
    private static Member member(ExtensionContext context) {
        ExtensionContext owner = context;
        while (owner.getParent().isPresent() && owner.getTestMethod().isPresent()) {
            owner = owner.getParent().get();
        }
        KvorumMember settings = settings(owner.getRequiredTestClass());
        return owner.getStore(NAMESPACE).computeIfAbsent(Member.class, key -> Member.start(settings), Member.class);
    }

    private static KvorumMember settings(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            KvorumMember found = c.getAnnotation(KvorumMember.class);
            if (found != null) {
                return found;
            }
        }
        throw new ExtensionConfigurationException(testClass.getName() + " uses " + KvorumExtension.class.getSimpleName()
                + " without @" + KvorumMember.class.getSimpleName());
    }

    /** Sets static fields ({@code instance} null) or instance fields of the member's types. */
    private static void inject(Class<?> testClass, Object instance, Member member) {
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) != (instance == null)) {
                    continue;
                }
                Object value = valueFor(field, member);
                if (value != null) {
                    try {
                        field.setAccessible(true);
                        field.set(instance, value);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        throw new ExtensionConfigurationException("cannot set " + field, e);
                    }
                }
            }
        }
    }

    private static Object valueFor(Field field, Member member) {
        if (field.getType() == KvorumServer.class) {
            return member.server();
        }
        if (field.isAnnotationPresent(KvorumEndpoint.class)) {
            if (field.getType() == URI.class) {
                return member.endpoint();
            }
            if (field.getType() == String.class) {
                return member.endpoint().toString();
            }
            throw new ExtensionConfigurationException("@KvorumEndpoint on " + field + ": only URI and String fields");
        }
        return null;
    }

    /** A started member and its temporary data folder; JUnit closes it with the store of its class. */
    private record Member(KvorumServer server, Path dataDir) implements AutoCloseable {

        static Member start(KvorumMember settings) {
            Path dir;
            try {
                dir = Files.createTempDirectory("kvorum-junit-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a data folder for the kvorum member", e);
            }
            ServerConfig.Builder config = ServerConfig.builder().name("junit").dataDir(dir)
                    .listenClientUrls(List.of(ANY_LOOPBACK_PORT))
                    .backendOptions(options("backendOptions", settings.backendOptions()))
                    .consensusOptions(options("consensusOptions", settings.consensusOptions()));
            if (!settings.backend().isEmpty()) {
                config.backend(settings.backend());
            }
            if (!settings.consensus().isEmpty()) {
                config.consensus(settings.consensus());
            }
            KvorumServer server = null;
            try {
                server = KvorumServer.builder().config(config.build()).build();
                server.start();
                return new Member(server, dir);
            } catch (IOException | RuntimeException e) {
                if (server != null) {
                    server.close();
                }
                delete(dir);
                throw new ExtensionConfigurationException("cannot start the kvorum member: " + e.getMessage(), e);
            }
        }

        URI endpoint() {
            return server.clientUrls().get(0);
        }

        @Override
        public void close() {
            server.close();
            delete(dataDir);
        }

        private static PluginOptions options(String attribute, String[] pairs) {
            Map<String, String> options = new LinkedHashMap<>();
            for (String pair : pairs) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new ExtensionConfigurationException("@KvorumMember(" + attribute + "): \"" + pair
                            + "\" is not key=value");
                }
                options.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            return PluginOptions.of(options);
        }

        private static void delete(Path dir) {
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                        Files.delete(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the kvorum member's data in " + dir, e);
            }
        }
    }
}
