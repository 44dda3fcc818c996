package delta4j.opencl;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

import delta4j.engine.Precision;

/**
 * The on-disk cache of measured gemm tile parameters, one small properties file per device and driver: the fp32
 * tiles under "gemm", the tensor-core tiles of each precision under "mma.tf32" and "mma.bf16".
 *
 * <p>Location: the system property {@code delta4j.opencl.tuningDir}, else
 * {@code $XDG_CACHE_HOME/delta4j/opencl-tuning}, else {@code ~/.cache/delta4j/opencl-tuning}. The file name
 * is made of the device name and driver version, so a driver update re-tunes. Files are written to a
 * temporary name and moved into place, so a reader never sees half a file; an unreadable or stale entry is
 * ignored (the device default is used instead).
 */
public final class GemmTuning {

    /** System property that overrides the cache folder. */
    public static final String DIR_PROPERTY = "delta4j.opencl.tuningDir";

    private GemmTuning() {
    }

    /** The cache folder in use. */
    public static Path directory() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("delta4j").resolve("opencl-tuning");
    }

    /** The cache file for a device: its name and driver version, with anything but [A-Za-z0-9._-] replaced. */
    public static Path file(OpenClDevice d) {
        String key = (d.name() + "__" + d.driverVersion()).replaceAll("[^A-Za-z0-9._-]+", "_");
        return directory().resolve(key + ".properties");
    }

    /** The cached configuration for a device, if one was stored and still fits it. */
    public static Optional<GemmConfig> load(OpenClDevice d) {
        try {
            GemmConfig c = GemmConfig.parse(read(d).getProperty("gemm", ""));
            return c.fits(d) ? Optional.of(c) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The cached tensor-core configuration for a device and a precision (tf32, bf16), if one was stored and still fits. */
    public static Optional<MmaConfig> loadMma(OpenClDevice d, Precision precision) {
        if (precision == Precision.FP32) {
            return Optional.empty();
        }
        try {
            MmaConfig c = MmaConfig.parse(read(d).getProperty("mma." + precision.cliName(), ""));
            return c.fits(d, false) ? Optional.of(c) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Properties read(OpenClDevice d) throws IOException {
        Properties p = new Properties();
        Path f = file(d);
        if (Files.isRegularFile(f)) {
            try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        return p;
    }

    /** Stores the winning configuration for a device, with a note on how it was measured (other entries are kept). */
    public static Path save(OpenClDevice d, GemmConfig c, String note) throws IOException {
        return save(d, "gemm", c.toString(), note);
    }

    /** Stores the winning tensor-core configuration for a device and precision (other entries are kept). */
    public static Path saveMma(OpenClDevice d, Precision precision, MmaConfig c, String note) throws IOException {
        return save(d, "mma." + precision.cliName(), c.toString(), note);
    }

    private static Path save(OpenClDevice d, String key, String value, String note) throws IOException {
        Path f = file(d);
        Files.createDirectories(f.getParent());
        Properties p;
        try {
            p = read(d);
        } catch (IOException | IllegalArgumentException e) {
            p = new Properties(); // an unreadable file is replaced
        }
        p.setProperty(key, value);
        p.setProperty("device", d.name());
        p.setProperty("driver", d.driverVersion());
        p.setProperty("measured" + (key.equals("gemm") ? "" : "." + key), note);
        p.setProperty("date", Instant.now().toString());
        Path tmp = Files.createTempFile(f.getParent(), f.getFileName().toString(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "delta4j OpenCL gemm tile parameters (written by GpuCheck --tune)");
            }
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return f;
    }
}
