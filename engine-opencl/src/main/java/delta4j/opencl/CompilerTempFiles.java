package delta4j.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises a kernel build that failed on the OpenCL implementation's own temporary files, and says why in
 * one line.
 *
 * <p>The cause, found with a reproducer that fails every build in a JVM whose threads reach safepoints often: an
 * implementation built on LLVM (PoCL) writes the compiler's output to a temporary file that LLVM registers for
 * removal "on signal", and installs handlers for SIGSEGV and other fatal signals that delete every registered
 * file. HotSpot raises SIGSEGV itself, at safepoint polls and implicit null checks on any thread; with LLVM's
 * handler in front of the JVM's, such a signal deletes the file just before the compiler renames it into the
 * kernel cache ("unable to rename temporary ... No such file or directory"). The JDK's signal chaining
 * ({@code LD_PRELOAD=<java.home>/lib/libjsig.so}) keeps the JVM's handlers first and passes on only signals that
 * are not the JVM's own; the project's launchers and test runs set it. A failed build has no side effects, so
 * {@link OpenClEngine} builds again a few times when this is the failure, for JVMs started without it.
 */
final class CompilerTempFiles {

    /** Builds tried in all when the failure is this one; each retry is counted in {@link #retries()}. */
    static final int ATTEMPTS = 4;

    private static final Pattern LOST_TEMP = Pattern.compile(
            "unable to (?:rename temporary|make temporary file|open output file)[^']*'([^']+)'", Pattern.CASE_INSENSITIVE);

    private static final AtomicLong RETRIES = new AtomicLong();

    private CompilerTempFiles() {
    }

    /** Whether a build log shows the compiler losing one of its temporary files. */
    static boolean lostTempFile(String buildLog) {
        return buildLog != null && LOST_TEMP.matcher(buildLog).find();
    }

    static void countRetry() {
        RETRIES.incrementAndGet();
    }

    /** Builds retried in this JVM because the compiler lost a temporary file (0 where signal chaining is on). */
    static long retries() {
        return RETRIES.get();
    }

    /**
     * The one-line explanation for a build that failed this way {@code attempts} times: whose cache it is, its
     * folder, the variable that moves it, and the JVM setting that prevents the failure.
     */
    static String explain(String buildLog, String platformName, int attempts) {
        Matcher m = LOST_TEMP.matcher(buildLog);
        String folder = null;
        if (m.find()) {
            Path p = Path.of(m.group(1)).getParent();
            folder = p == null ? null : p.toString();
        }
        boolean pocl = platformName != null && (platformName.toLowerCase(Locale.ROOT).contains("portable computing")
                || platformName.toLowerCase(Locale.ROOT).contains("pocl"));
        String where = (pocl ? "PoCL's kernel compiler cache" : "the OpenCL implementation's compiler cache")
                + (folder == null ? "" : " (" + folder + (pocl ? ", moved by POCL_CACHE_DIR" : "") + ")");
        String cause = signalChaining()
                ? "check that the folder exists, is writable and is not cleaned by another program"
                : "the JVM runs without signal chaining, so LLVM's signal handlers delete the compiler's temporary "
                        + "files on the JVM's own signals: start java with LD_PRELOAD=" + jsigPath()
                        + " (docs/RELIABILITY.md)";
        return "the compiler lost a temporary file in " + where + " in " + attempts + " build"
                + (attempts == 1 ? "" : "s") + ": " + cause;
    }

    /** Whether the JDK's signal-chaining library is loaded into this process (Linux; false elsewhere). */
    static boolean signalChaining() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("/libjsig.so");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String jsigPath() {
        return Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString();
    }
}
