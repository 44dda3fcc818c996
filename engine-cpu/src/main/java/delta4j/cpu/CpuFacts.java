package delta4j.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the machine is, as far as the GEMM's choices depend on it ({@link GemmBlocking}): the CPU's vendor, family
 * and model from {@code /proc/cpuinfo}, and the per-core data cache sizes from
 * {@code /sys/devices/system/cpu/cpu0/cache/index*} ({@code level}, {@code type}, {@code size}). Where a file is
 * missing (not Linux, a container that hides sysfs) the field is empty or 0 and the choice falls back to the
 * constants measured on the CPUs in engine-cpu/README.md's tuning table.
 *
 * @param vendor    {@code vendor_id} ("GenuineIntel", "AuthenticAMD"), or "" when unknown
 * @param family    {@code cpu family}, or -1
 * @param model     {@code model}, or -1
 * @param modelName {@code model name}, or ""
 * @param l1d       level-1 data cache of one core in bytes, or 0 when unknown
 * @param l2        level-2 cache of one core in bytes, or 0
 * @param l3        level-3 cache in bytes, or 0 (reported, not used)
 * @param avx512f   whether the CPU has AVX-512 (the {@code avx512f} flag): 32 vector registers to a JVM that uses
 *                  EVEX encodings, whatever its vector width
 */
record CpuFacts(String vendor, int family, int model, String modelName, long l1d, long l2, long l3, boolean avx512f) {

    /** Nothing known: every choice takes its fallback. */
    static final CpuFacts UNKNOWN = new CpuFacts("", -1, -1, "", 0, 0, 0, false);

    /** Reads this machine's facts; never throws (what cannot be read stays unknown). */
    static CpuFacts read() {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            cpuinfo = "";
        }
        return parse(cpuinfo, Path.of("/sys/devices/system/cpu/cpu0/cache"));
    }

    /**
     * The facts from a {@code /proc/cpuinfo} text (its first processor's lines) and a sysfs cache directory of one
     * CPU (subdirectories {@code index0..}, each with {@code level}, {@code type} and {@code size} files).
     */
    static CpuFacts parse(String cpuinfo, Path cacheDir) {
        String vendor = "", name = "";
        int family = -1, model = -1;
        boolean avx512f = false;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (line.isBlank() && !vendor.isEmpty()) {
                break; // the first processor's block is enough
            }
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = value;
                case "cpu family" -> family = parseInt(value);
                case "model" -> model = parseInt(value);
                case "model name" -> name = value;
                case "flags" -> avx512f = (" " + value + " ").contains(" avx512f ");
                default -> { }
            }
        }
        long l1d = 0, l2 = 0, l3 = 0;
        for (int i = 0; i < 16; i++) {
            Path index = cacheDir.resolve("index" + i);
            if (!Files.isDirectory(index)) {
                continue;
            }
            int level = parseInt(readLine(index.resolve("level")));
            String type = readLine(index.resolve("type"));
            long size = parseSize(readLine(index.resolve("size")));
            if (size <= 0 || type.equals("Instruction")) {
                continue;
            }
            switch (level) {
                case 1 -> l1d = size;
                case 2 -> l2 = size;
                case 3 -> l3 = size;
                default -> { }
            }
        }
        return new CpuFacts(vendor, family, model, name, l1d, l2, l3, avx512f);
    }

    /** sysfs sizes: "48K", "2048K", "32M", or plain bytes; 0 when unreadable. */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) {
            return 0;
        }
        long unit = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(digits.trim()) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String readLine(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * Whether the CPU runs each 512-bit vector operation as two 256-bit halves: AMD family 25 with AVX-512 (Zen 4),
     * whose FMA units are 256 bits wide, so a 512-bit FMA issues at half the rate of a native one (Zen 5, family 26,
     * and Intel's AVX-512 cores run them whole).
     */
    boolean splitsWideVectors() {
        return vendor.equals("AuthenticAMD") && family == 25 && avx512f;
    }

    /** "Intel family 6 model 167, L1d 48 KiB, L2 2048 KiB" and the like, for the engine's description. */
    String describe() {
        String cpu = vendor.isEmpty() ? "unknown CPU"
                : (vendor.equals("GenuineIntel") ? "Intel" : vendor.equals("AuthenticAMD") ? "AMD" : vendor)
                + " family " + family + " model " + model;
        return cpu + ", L1d " + kib(l1d) + ", L2 " + kib(l2);
    }

    private static String kib(long bytes) {
        return bytes <= 0 ? "unknown" : (bytes >> 10) + " KiB";
    }
}
