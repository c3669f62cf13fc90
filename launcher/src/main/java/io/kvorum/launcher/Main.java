package io.kvorum.launcher;

import io.kvorum.launcher.discovery.Bootstrap;
import io.kvorum.launcher.plugin.InstalledPlugin;
import io.kvorum.launcher.plugin.PluginCatalog;
import io.kvorum.launcher.plugin.PluginKind;
import io.kvorum.launcher.plugin.PluginLoadException;
import io.kvorum.launcher.log.KvorumLogging;
import io.kvorum.launcher.log.LogSettings;
import io.kvorum.server.EtcdVersion;
import io.kvorum.server.KvorumServer;
import io.kvorum.server.ServerConfig;
import io.kvorum.spi.backend.BackendProvider;
import io.kvorum.spi.auth.TokenProvider;
import io.kvorum.spi.consensus.ConsensusProvider;
import io.kvorum.spi.metrics.MetricsExporterProvider;
import io.kvorum.spi.tls.TlsProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import sun.misc.Signal;

/**
 * {@code kvorum}: reads the command line, starts one member, serves until SIGTERM or SIGINT.
 *
 * <p>For each client URL served, one line {@code kvorum: serving client requests on <url>} goes
 * to standard output, whatever the log level, with the port actually bound: scripts and tests
 * wait for it. So does {@code kvorum: serving metrics on <url>} for each {@code --listen-metrics-urls}. Logs go where {@code --log-outputs} says, standard error by default, as etcd's
 * zap JSON lines unless {@code --logger} or {@code --log-format} says otherwise.
 *
 * <p>Plugins are those on the module path ({@code lib/}) and the drop-in ones of the
 * distribution's {@code plugins/} folder and of each {@code --plugin-dir}; see {@link PluginCatalog}.
 *
 * <p>With {@code --proxy on|readonly} the process is no member but etcd's v2 proxy: see {@link ProxyProcess}.
 * So it is when {@code --discovery} finds the cluster full and {@code --discovery-fallback} is
 * {@code proxy} (etcd's default): the proxy then serves this member's {@code --listen-client-urls}
 * from {@code <data-dir>/proxy}, and a restart in that data dir is a proxy's again.
 *
 * <p>Exit codes: {@value #EXIT_OK} after {@code --help}, {@code --version}, {@code kvorum plugins}
 * or a clean stop on a signal; {@value #EXIT_START_FAILED} when the member fails to start (unknown
 * plugin, a plugin that cannot be loaded, port in use, unreadable data); {@value #EXIT_USAGE} for a usage error (unknown flag, bad value, inconsistent
 * flags). etcd exits 2 on flag syntax errors and 1 on its other configuration errors; kvorum exits
 * 2 for every error found before starting, so that a script can tell "fix the command line" from
 * "failed to start". A member that stops because it cannot apply a committed entry exits
 * {@value #EXIT_HALTED} (etcd panics there, and its process exits non-zero too).
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_USAGE = 2;
    /** The member stopped by itself because it could not apply a committed entry (etcd panics there). */
    static final int EXIT_HALTED = 3;

    private Main() {
    }

    public static void main(String[] args) {
        // Exit explicitly: a library may leave a non-daemon thread behind after the member closed.
        System.exit(run(List.of(args)));
    }

    private static int run(List<String> args) {
        Command command;
        try {
            command = CommandLine.parse(args, System.getenv());
        } catch (UsageException e) {
            System.err.println("kvorum: " + e.getMessage());
            System.err.println("Run 'kvorum --help' to see the flags.");
            return EXIT_USAGE;
        }
        if (command instanceof Command.ShowHelp help) {
            System.out.print(Flag.helpText());
            System.out.flush();
            return listPlugins(help.pluginDirs());
        }
        if (command instanceof Command.ListPlugins list) {
            return listPlugins(list.pluginDirs());
        }
        if (command instanceof Command.Snapshot snapshot) {
            return SnapshotCommand.run(snapshot, pluginFolders(snapshot.pluginDirs()));
        }
        if (command instanceof Command.Proxy proxy) {
            return ProxyProcess.run(proxy);
        }
        if (command instanceof Command.ShowVersion) {
            System.out.print(Version.text());
            return EXIT_OK;
        }
        return serve((Command.Serve) command);
    }

    private static int serve(Command.Serve command) {
        try {
            configureLogging(command.logging().settings(command.logLevel()));
        } catch (IOException e) {
            System.err.println("kvorum: cannot open the log output " + e.getMessage());
            return EXIT_START_FAILED;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        command.notices().forEach(log::info);
        command.warnings().forEach(log::warn);

        CountDownLatch stop = new CountDownLatch(1);
        stopOnSignals(stop, log);

        Optional<Command.Serve> discovered;
        try {
            discovered = discover(command, stop);
        } catch (Bootstrap.Failed e) {
            System.err.println("kvorum: " + e.getMessage());
            return EXIT_START_FAILED;
        } catch (Bootstrap.FallBackToProxy e) {
            return ProxyProcess.serve(command.asFallbackProxy(), stop);
        }
        if (discovered.isEmpty()) {
            return EXIT_OK;
        }
        command = discovered.get();
        ServerConfig config = command.config();
        KvorumServer server;
        try {
            server = start(command, log);
        } catch (StartFailedException e) {
            System.err.println("kvorum: " + e.getMessage());
            return EXIT_START_FAILED;
        }
        // For the exits that do not go through the signal handlers: SIGHUP, System.exit in a library.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kvorum-shutdown"));
        Optional<jdk.jfr.Recording> recording = command.enablePprof() ? startProfiling(config, log) : Optional.empty();

        for (URI url : server.clientUrls()) {
            System.out.println("kvorum: serving client requests on " + url);
        }
        for (URI url : server.metricsUrls()) {
            System.out.println("kvorum: serving metrics on " + url);
        }
        for (URI url : server.clientHttpUrls()) {
            System.out.println("kvorum: serving client HTTP requests on " + url);
        }
        System.out.flush();

        // Removed from the cluster: exit 0, as etcd. Halted on an entry it cannot apply: exit non-zero.
        server.stopped().whenComplete((ok, failure) -> stop.countDown());
        try {
            stop.await();
        } catch (InterruptedException e) {
            // Nothing interrupts the main thread but a request to stop: do so.
            Thread.currentThread().interrupt();
        }
        closingLine(log.atInfo().setMessage("closing etcd server"), config);
        server.close();
        recording.ifPresent(r -> stopProfiling(r, log));
        closingLine(log.atInfo().setMessage("closed etcd server"), config);
        if (server.stopped().isCompletedExceptionally()) {
            System.err.println("kvorum: the member stopped: " + describe(server.stopped().handle((ok, e) -> e).join()));
            return EXIT_HALTED;
        }
        return EXIT_OK;
    }

    /**
     * The command with the initial cluster {@code --discovery} or {@code --discovery-srv} finds;
     * empty when a signal came while waiting for the other members. Discovery runs on a thread of
     * its own so that the signal handlers can still stop the process.
     */
    private static Optional<Command.Serve> discover(Command.Serve command, CountDownLatch stop)
            throws Bootstrap.Failed, Bootstrap.FallBackToProxy {
        if (!command.discovery().discovers()) {
            return Optional.of(command);
        }
        java.util.concurrent.CompletableFuture<ServerConfig> found = new java.util.concurrent.CompletableFuture<>();
        Thread discovering = new Thread(() -> {
            try {
                found.complete(Bootstrap.initialCluster(command.config(), command.discovery(), System.getenv()));
            } catch (Bootstrap.Failed | Bootstrap.FallBackToProxy | InterruptedException | RuntimeException e) {
                found.completeExceptionally(e);
            }
        }, "kvorum-discovery");
        discovering.setDaemon(true);
        discovering.start();
        // a signal counts `stop` down: look at it now and then while waiting
        while (!found.isDone() && stop.getCount() > 0) {
            try {
                found.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still waiting, or done (failed): the loop's condition tells
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!found.isDone()) {
            discovering.interrupt();
            return Optional.empty();
        }
        try {
            return Optional.of(command.withConfig(found.join()));
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Bootstrap.Failed failed) {
                throw failed;
            }
            if (e.getCause() instanceof Bootstrap.FallBackToProxy fallBack) {
                throw fallBack;
            }
            throw new Bootstrap.Failed(describe(e.getCause()), e.getCause());
        }
    }

    /** {@code --enable-pprof}: a JDK Flight Recorder recording; a failure to start one does not stop the member. */
    private static Optional<jdk.jfr.Recording> startProfiling(ServerConfig config, Logger log) {
        if (Profiling.underClassArchive()) {
            // bin/kvorum starts without the archive when it sees the flag; this start did not
            log.warn("--enable-pprof: no JDK Flight Recorder recording: the JVM runs with a class data archive,"
                    + " with which JDK 17 crashes once Flight Recorder runs; start with KVORUM_JAVA_OPTS=-Xshare:off");
            return Optional.empty();
        }
        try {
            jdk.jfr.Recording recording = Profiling.start(config.dataDir());
            log.info("--enable-pprof: JDK Flight Recorder recording \"{}\" started; written to {} at stop"
                    + " (jcmd <pid> JFR.dump name={} filename=<file> writes it now); /debug/pprof/ is not served",
                    Profiling.RECORDING_NAME, recording.getDestination(), Profiling.RECORDING_NAME);
            return Optional.of(recording);
        } catch (IOException | IllegalStateException | SecurityException e) {
            log.warn("--enable-pprof: cannot start a JDK Flight Recorder recording: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static void stopProfiling(jdk.jfr.Recording recording, Logger log) {
        try {
            recording.stop();
            log.info("--enable-pprof: recording written to {}", recording.getDestination());
        } catch (IllegalStateException e) {
            log.warn("--enable-pprof: cannot write the recording: {}", e.getMessage());
        } finally {
            recording.close();
        }
    }

    /** etcd's fields of its "closing etcd server" and "closed etcd server" lines. */
    private static void closingLine(LoggingEventBuilder line, ServerConfig config) {
        line.addKeyValue("name", config.name())
                .addKeyValue("data-dir", config.dataDir().toString())
                .addKeyValue("advertise-peer-urls", strings(config.initialAdvertisePeerUrls()))
                .addKeyValue("advertise-client-urls", strings(config.advertiseClientUrls()))
                .log();
    }

    private static List<String> strings(List<URI> urls) {
        return urls.stream().map(URI::toString).toList();
    }

    /** Why a member did not start, in one line for the user (the cause is logged at debug level). */
    static final class StartFailedException extends Exception {
        StartFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Finds the plugins the configuration names and starts the member; what {@code kvorum} does
     * before it serves, and what {@link ClassArchiveTraining} repeats.
     */
    static KvorumServer start(Command.Serve command, Logger log) throws StartFailedException {
        ServerConfig config = command.config();
        InstalledPlugin backend;
        InstalledPlugin consensus;
        InstalledPlugin tokens;
        Optional<InstalledPlugin> tls;
        List<InstalledPlugin> exporters = new ArrayList<>();
        try {
            PluginCatalog catalog = PluginCatalog.load(pluginFolders(command.pluginDirs()));
            // An unknown name fails here, listing what is installed and where each came from.
            backend = catalog.find(PluginKind.BACKEND, config.backend());
            consensus = catalog.find(PluginKind.CONSENSUS, config.consensus());
            tokens = catalog.find(PluginKind.AUTH_TOKEN, config.authTokenProvider());
            // A member without https URLs needs no TLS plugin.
            tls = config.servesClientTls() || config.servesPeerTls()
                    ? Optional.of(catalog.find(PluginKind.TLS, config.tls())) : Optional.empty();
            for (String name : config.metrics().exporters()) {
                exporters.add(catalog.find(PluginKind.METRICS_EXPORTER, name));
            }
        } catch (PluginLoadException | IllegalArgumentException e) {
            log.debug("plugins", e);
            throw new StartFailedException(e.getMessage(), e);
        }
        // etcd's line and fields, and kvorum's. PluginOptions.toString masks the values of keys that look secret.
        log.atInfo().setMessage("starting an etcd server")
                .addKeyValue("etcd-version", EtcdVersion.SERVER)
                .addKeyValue("kvorum-version", Version.projectVersion())
                .addKeyValue("java-version", Runtime.version().toString())
                .addKeyValue("os", System.getProperty("os.name"))
                .addKeyValue("arch", System.getProperty("os.arch"))
                .addKeyValue("max-cpu-available", Runtime.getRuntime().availableProcessors())
                .addKeyValue("name", config.name())
                .addKeyValue("data-dir", config.dataDir().toString())
                .addKeyValue("initial-advertise-peer-urls", strings(config.initialAdvertisePeerUrls()))
                .addKeyValue("listen-peer-urls", strings(config.listenPeerUrls()))
                .addKeyValue("advertise-client-urls", strings(config.advertiseClientUrls()))
                .addKeyValue("listen-client-urls", strings(config.listenClientUrls()))
                .addKeyValue("backend", backend.name())
                .addKeyValue("backend-options", config.backendOptions().toString())
                .addKeyValue("backend-origin", backend.origin().toString())
                .addKeyValue("consensus", consensus.name())
                .addKeyValue("consensus-options", config.consensusOptions().toString())
                .addKeyValue("consensus-origin", consensus.origin().toString())
                .log();
        KvorumServer server = null;
        try {
            KvorumServer.Builder builder = KvorumServer.builder().config(config)
                    .backend((BackendProvider) backend.provider())
                    .consensus((ConsensusProvider) consensus.provider())
                    .tokenProvider((TokenProvider) tokens.provider());
            tls.ifPresent(t -> builder.tls((TlsProvider) t.provider()));
            builder.metricsExporters(exporters.stream().map(e -> (MetricsExporterProvider) e.provider()).toList());
            server = builder.build();
            server.start();
            return server;
        } catch (Exception | LinkageError e) {
            if (server != null) {
                server.close();
            }
            log.debug("start failed", e);
            throw new StartFailedException(describe(e), e);
        }
    }

    /**
     * Installs the logging binding's settings. It reads them when slf4j initializes, with the
     * first logger asked for, so this must run before anything asks for one.
     *
     * @throws IOException when a file of {@code --log-outputs} cannot be opened
     */
    static void configureLogging(LogSettings settings) throws IOException {
        KvorumLogging.install(settings);
    }

    /**
     * Counts {@code stop} down on SIGTERM and SIGINT. The JVM's own handlers would run the shutdown
     * hooks and exit with 143 or 130; handling the signals here lets the member stop in order and
     * the process exit 0. A second signal while stopping gives up on a clean stop.
     */
    static void stopOnSignals(CountDownLatch stop, Logger log) {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (stop.getCount() == 0) {
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                    // Go's names of the signals, as etcd logs them
                    log.atInfo().setMessage("received signal; shutting down")
                            .addKeyValue("signal", signal.getName().equals("TERM") ? "terminated" : "interrupt").log();
                    stop.countDown();
                });
            } catch (IllegalArgumentException e) {
                // Under -Xrs the JVM leaves the signal alone, and it ends the process the default way.
                log.debug("cannot handle SIG{}", name, e);
            }
        }
    }

    /** Prints the installed plugins; a plugin that cannot be loaded is an error. */
    private static int listPlugins(List<Path> pluginDirs) {
        try {
            System.out.print(PluginListing.text(PluginCatalog.load(pluginFolders(pluginDirs))));
            return EXIT_OK;
        } catch (PluginLoadException e) {
            System.err.println("kvorum: " + e.getMessage());
            return EXIT_START_FAILED;
        }
    }

    /** The distribution's plugins/ folder, when there is one, then the folders given; each once. */
    static List<Path> pluginFolders(List<Path> pluginDirs) {
        List<Path> folders = new ArrayList<>();
        Home.pluginsFolder().ifPresent(folders::add);
        folders.addAll(pluginDirs);
        return folders.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }

    /** One line for the user; the stack trace is logged at debug level. */
    private static String describe(Throwable e) {
        // A LinkageError's message is only a class name: keep its type.
        return e instanceof LinkageError ? e.toString() : Objects.requireNonNullElse(e.getMessage(), e.toString());
    }
}
