package io.kvorum.launcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * etcd's {@code --enable-pprof} for the JVM: etcd serves Go's profiles under
 * {@code /debug/pprof/}; kvorum records with JDK Flight Recorder instead, from start to stop.
 *
 * <p>The recording uses the JDK's {@code profile} settings (CPU samples, allocations, locks, GC,
 * I/O), keeps the last {@link #MAX_AGE} on disk, and is written to {@code <data-dir>/kvorum.jfr}
 * when the member stops. While it runs, {@code jcmd <pid> JFR.dump name=kvorum filename=now.jfr}
 * writes what it holds so far; {@code jfr print} or JDK Mission Control read the files.
 *
 * <p>JDK 17 crashes when Flight Recorder runs in a JVM that maps a class data archive, so
 * {@code bin/kvorum} starts a profiling member without {@code lib/kvorum.jsa}, and a JVM that has
 * one anyway gets no recording ({@link #underClassArchive()}).
 */
final class Profiling {
    /** The recording's name, for {@code jcmd}. */
    static final String RECORDING_NAME = "kvorum";
    static final String FILE_NAME = "kvorum.jfr";
    private static final Duration MAX_AGE = Duration.ofMinutes(30);
    private static final long MAX_BYTES = 256L << 20;

    private Profiling() {
    }

    /**
     * Whether this JVM maps a class data archive ({@code -XX:SharedArchiveFile}, as bin/kvorum
     * passes unless profiling): JDK 17 crashes when Flight Recorder starts under one.
     */
    static boolean underClassArchive() {
        List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
        boolean archive = jvmOptions.stream().anyMatch(o -> o.startsWith("-XX:SharedArchiveFile="));
        int lastOff = jvmOptions.lastIndexOf("-Xshare:off");
        int lastArchive = -1;
        for (int i = 0; i < jvmOptions.size(); i++) {
            if (jvmOptions.get(i).startsWith("-XX:SharedArchiveFile=")) {
                lastArchive = i;
            }
        }
        return archive && lastOff < lastArchive;
    }

    /** Starts the recording; the caller stops (and so writes) it. */
    static Recording start(Path dataDir) throws IOException {
        Configuration settings;
        try {
            settings = Configuration.getConfiguration("profile");
        } catch (ParseException e) {
            throw new IOException("the JDK's JFR settings 'profile' cannot be read: " + e.getMessage(), e);
        }
        Recording recording = new Recording(settings);
        recording.setName(RECORDING_NAME);
        recording.setToDisk(true);
        recording.setMaxAge(MAX_AGE);
        recording.setMaxSize(MAX_BYTES);
        recording.setDestination(dataDir.toAbsolutePath().resolve(FILE_NAME));
        recording.start();
        return recording;
    }
}
