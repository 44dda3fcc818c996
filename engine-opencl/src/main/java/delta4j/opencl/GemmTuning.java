package delta4j.opencl;

import delta4j.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** {@return the cache folder in use} */
    public static Path directory() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("delta4j").resolve("opencl-tuning");
    }

    /**
     * {@return the cache file for a device: its name and driver version, with anything but [A-Za-z0-9._-] replaced}
     *
     * @param d the device
     */
    public static Path file(OpenClDevice d) {
        String key = (d.name() + "__" + d.driverVersion()).replaceAll("[^A-Za-z0-9._-]+", "_");
        return directory().resolve(key + ".properties");
    }

    /**
     * {@return the cached configuration for a device, if one was stored and still fits it} An unreadable or
     * malformed cache file counts as none.
     *
     * @param d the device
     */
    public static Optional<GemmConfig> load(OpenClDevice d) {
        try {
            GemmConfig c = GemmConfig.parse(read(d).getProperty("gemm", ""));
            return c.fits(d) ? Optional.of(c) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * {@return the cached tensor-core configuration for a device and a precision, if one was stored and still
     * fits it} Always empty for fp32; an unreadable or malformed cache file counts as none.
     *
     * @param d         the device
     * @param precision tf32 or bf16
     */
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

    /**
     * Stores the winning configuration for a device, with a note on how it was measured; the file's other
     * entries (tensor-core tiles) are kept. It is written atomically, so a reader never sees half of it.
     *
     * @param d the device the configuration was measured on
     * @param c the configuration to cache
     * @param note how it was measured (sizes, GFLOP/s), kept in the file for people
     * @return the cache file written, {@link #file(OpenClDevice)}
     * @throws IOException if the cache folder or file cannot be written
     */
    public static Path save(OpenClDevice d, GemmConfig c, String note) throws IOException {
        return save(d, "gemm", c.toString(), note);
    }

    /**
     * Stores the winning tensor-core configuration for a device and precision; the file's other entries are kept.
     *
     * @param d         the device the configuration was measured on
     * @param precision tf32 or bf16
     * @param c         the configuration to cache
     * @param note      how it was measured, kept in the file for people
     * @return the cache file written, {@link #file(OpenClDevice)}
     * @throws IOException if the cache folder or file cannot be written
     */
    public static Path saveMma(OpenClDevice d, Precision precision, MmaConfig c, String note) throws IOException {
        return save(d, "mma." + precision.cliName(), c.toString(), note);
    }

    private static Path save(OpenClDevice d, String key, String value, String note) throws IOException {
        Path f = file(d);
        Files.createDirectories(f.getParent());
        Properties read;
        try {
            read = read(d);
        } catch (IOException | IllegalArgumentException e) {
            read = new Properties(); // an unreadable file is replaced
        }
        Properties p = read;
        p.setProperty(key, value);
        p.setProperty("device", d.name());
        p.setProperty("driver", d.driverVersion());
        p.setProperty("measured" + (key.equals("gemm") ? "" : "." + key), note);
        p.setProperty("date", Instant.now().toString());
        AtomicFiles.write(f, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            p.store(w, "delta4j OpenCL gemm tile parameters (measured by delta4j-gpu-check)");
            w.flush();
        });
        return f;
    }
}
