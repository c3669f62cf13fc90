package io.kvorum.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --enable-pprof}: a JDK Flight Recorder recording, written to the data directory at stop. */
class ProfilingTest {

    @TempDir
    Path dataDir;

    @Test
    void theFlagAsksForARecording() throws UsageException {
        assertTrue(serve("--enable-pprof").enablePprof());
        assertTrue(serve("-enable-pprof=true").enablePprof());
        assertFalse(serve().enablePprof());
    }

    @Test
    void theRecordingRunsUnderItsNameAndIsWrittenToTheDataDirectoryAtStop() throws Exception {
        try (Recording recording = Profiling.start(dataDir)) {
            assertEquals(RecordingState.RUNNING, recording.getState());
            assertTrue(FlightRecorder.getFlightRecorder().getRecordings().stream()
                    .anyMatch(r -> r.getName().equals("kvorum") && r.getState() == RecordingState.RUNNING));
            recording.stop();
        }
        Path file = dataDir.resolve("kvorum.jfr");
        assertTrue(Files.size(file) > 0, "nothing written to " + file);
    }

    private static Command.Serve serve(String... args) throws UsageException {
        return assertInstanceOf(Command.Serve.class, CommandLine.parse(List.of(args), Map.of()));
    }
}
