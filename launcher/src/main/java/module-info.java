/**
 * The {@code kvorum} command: etcd's flags and {@code ETCD_*} variables, plugin selection, and the
 * process around one member. Exports nothing; it is started with
 * {@code -m io.kvorum.launcher/io.kvorum.launcher.Main}.
 */
module io.kvorum.launcher {
    requires io.kvorum.server;
    requires io.kvorum.spi;
    requires org.slf4j;
    // --config-file: etcd's YAML configuration
    requires org.snakeyaml.engine;
    // The logging binding (io.kvorum.launcher.log) writes its JSON lines with jackson-core.
    requires com.fasterxml.jackson.core;
    // kvorum class-archive: its training run sends a member the common requests of each service.
    requires io.kvorum.api;
    requires io.grpc;
    requires io.grpc.stub;
    requires io.grpc.netty;
    // kvorum snapshot save over https: the client's TLS context
    requires io.netty.handler;
    requires com.google.protobuf;
    // --enable-pprof: a JDK Flight Recorder recording (and whether a class data archive is mapped)
    requires jdk.jfr;
    requires java.management;
    // --discovery: the v2 discovery protocol over HTTP; --discovery-srv: SRV records through JNDI's DNS provider;
    // --proxy: the v2 proxy's listeners and its client to the members
    requires java.net.http;
    requires java.naming;
    requires jdk.naming.dns;
    requires jdk.httpserver;
    // sun.misc.Signal: stop cleanly and exit 0 on SIGTERM/SIGINT.
    requires jdk.unsupported;

    // Plugins are looked up here, in the boot layer and in each drop-in plugin's layer, and handed
    // to the server as instances.
    uses io.kvorum.spi.backend.BackendProvider;
    uses io.kvorum.spi.consensus.ConsensusProvider;
    uses io.kvorum.spi.auth.TokenProvider;
    uses io.kvorum.spi.tls.TlsProvider;
    uses io.kvorum.spi.metrics.MetricsExporterProvider;

    // The distribution's one slf4j binding: etcd's log formats.
    provides org.slf4j.spi.SLF4JServiceProvider with io.kvorum.launcher.log.KvorumServiceProvider;
}
