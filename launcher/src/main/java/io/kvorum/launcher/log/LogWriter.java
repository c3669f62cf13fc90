package io.kvorum.launcher.log;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes encoded lines to every output, one whole line at a time and flushed, so that lines of
 * several threads never mix and nothing waits in a buffer when the process dies. A failed write
 * is dropped: logging never stops the member.
 */
final class LogWriter {
    private final LineEncoder encoder;
    private final List<OutputStream> outputs;

    LogWriter(LineEncoder encoder, List<OutputStream> outputs) {
        this.encoder = encoder;
        this.outputs = List.copyOf(outputs);
    }

    void write(LogLine line) {
        if (outputs.isEmpty()) {
            return;
        }
        byte[] bytes = encoder.encode(line);
        synchronized (this) {
            for (OutputStream out : outputs) {
                try {
                    out.write(bytes);
                    out.flush();
                } catch (IOException e) {
                    // a full disk or a closed pipe: the line is lost, the member goes on
                }
            }
        }
    }
}
