/**
 * The {@code kvorum} command: etcd's flags and {@code ETCD_*} variables, plugin selection, and the
 * process around one member. Exports nothing; it is started with
 * {@code -m io.kvorum.launcher/io.kvorum.launcher.Main}.
 */
module io.kvorum.launcher {
    requires io.kvorum.server;
    requires io.kvorum.spi;
    requires org.slf4j;
    // sun.misc.Signal: stop cleanly and exit 0 on SIGTERM/SIGINT.
    requires jdk.unsupported;
}
