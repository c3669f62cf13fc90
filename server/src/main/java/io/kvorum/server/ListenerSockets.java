package io.kvorum.server;

import com.linecorp.armeria.server.ServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;

/**
 * Socket options of the member's own listeners (client, client HTTP and metrics URLs), as etcd sets them on
 * every listener it opens.
 *
 * @param reusePort    {@code --socket-reuse-port}: SO_REUSEPORT, so several processes may listen on one port
 *                     (Netty's native transport, which Armeria uses on Linux)
 * @param reuseAddress {@code --socket-reuse-address}: SO_REUSEADDR, so a port with connections still in
 *                     TIME_WAIT may be bound again
 */
public record ListenerSockets(boolean reusePort, boolean reuseAddress) {

    /** etcd's defaults: neither option asked for. */
    public static final ListenerSockets DEFAULT = new ListenerSockets(false, false);

    /** Sets the options asked for on the listening sockets {@code sb} opens. */
    void configure(ServerBuilder sb) {
        if (reusePort) {
            sb.channelOption(UnixChannelOption.SO_REUSEPORT, true);
        }
        if (reuseAddress) {
            sb.channelOption(ChannelOption.SO_REUSEADDR, true);
        }
    }
}
