package delta4j.opencl;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tile parameters of the tensor-core GEMM kernels (gemm_mma.cl), compiled in as defines.
 *
 * <p>A work-group of {@code wm × wn} warps (32 work-items each) computes an {@code mwg × nwg} block of C; each warp a
 * {@code (mwg/wm) × (nwg/wn)} tile of it as 16 × 8 mma tiles. k advances {@code kwg} at a time (a multiple of 16),
 * with {@code stages} k-steps of both operand tiles in flight in local memory (cp.async). {@code maxRegisters}, when
 * positive, caps the registers per work-item (-cl-nv-maxrregcount).
 *
 * <p>Written as "MWGxNWGxKWG/WMxWN/sSTAGES[/rR]", e.g. "128x128x16/2x4/s2".
 *
 * @param mwg          rows of C per work-group (a multiple of 32 and of 16·wm)
 * @param nwg          columns of C per work-group (a multiple of 32 and of 16·wn)
 * @param kwg          k per step through local memory (a multiple of 16)
 * @param wm           warps along m in a work-group
 * @param wn           warps along n in a work-group
 * @param stages       k-steps of both operand tiles in flight (2 to 4)
 * @param maxRegisters registers per work-item on NVIDIA (-cl-nv-maxrregcount), 0 for the compiler's choice
 */
public record MmaConfig(int mwg, int nwg, int kwg, int wm, int wn, int stages, int maxRegisters) {

    /**
     * The default: 8 warps, each a 64 × 32 tile of C (4 × 4 mma tiles, 64 fp32 accumulators), k-depth 16, two stages:
     * 37 KiB of local memory (the 48 KiB OpenCL gives a group on NVIDIA holds two stages of 128 × 128 blocks at k-depth
     * 16, not three). ptxas gives its variants 124 to 151 registers for sm_80 and sm_90 without spilling
     * (engine-opencl's PtxAssemblyTest); the register-capped candidate trades that for two groups per SM.
     */
    public static final MmaConfig DEFAULT = new MmaConfig(128, 128, 16, 2, 4, 2, 0);

    private static final Pattern FORMAT = Pattern.compile("(\\d+)x(\\d+)x(\\d+)/(\\d+)x(\\d+)/s(\\d+)(?:/r(\\d+))?");

    /**
     * Checks the parameters.
     *
     * @throws IllegalArgumentException naming the tile and the rule it breaks
     */
    public MmaConfig {
        String why = problem(mwg, nwg, kwg, wm, wn, stages, maxRegisters);
        if (why != null) {
            throw new IllegalArgumentException("tensor-core tile " + mwg + "x" + nwg + "x" + kwg + "/" + wm + "x" + wn + "/s" + stages
                    + " is invalid: " + why);
        }
    }

    private static String problem(int mwg, int nwg, int kwg, int wm, int wn, int stages, int maxRegisters) {
        if (mwg <= 0 || nwg <= 0 || kwg <= 0 || wm <= 0 || wn <= 0 || maxRegisters < 0) {
            return "all sizes must be positive";
        }
        if (kwg % 16 != 0) {
            return "kwg must be a multiple of 16 (one bf16 mma step)";
        }
        if (mwg % 32 != 0 || nwg % 32 != 0 || mwg % (16 * wm) != 0 || nwg % (16 * wn) != 0) {
            return "mwg and nwg must be multiples of 32, and of 16 per warp row (mwg/wm) and column (nwg/wn)";
        }
        if (stages < 2 || stages > 4) {
            return "stages must be 2, 3 or 4";
        }
        int wgs = 32 * wm * wn;
        if ((mwg * kwg / 4) % wgs != 0 || (nwg * kwg / 4) % wgs != 0) {
            return "each tile must be a whole number of 16-byte copies per work-item (mwg·kwg/4 and nwg·kwg/4 divisible by 32·wm·wn)";
        }
        return null;
    }

    /**
     * {@return the configuration written as "128x128x16/2x4/s2" (optionally followed by "/r128")}
     *
     * @param s the text, as {@link #toString()} writes it
     * @throws IllegalArgumentException when the text is not of that form or the tile is invalid
     */
    public static MmaConfig parse(String s) {
        Matcher m = FORMAT.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("tensor-core tile '" + s + "' is not of the form MWGxNWGxKWG/WMxWN/sSTAGES[/rR], e.g. 128x128x16/2x4/s2");
        }
        return new MmaConfig(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Integer.parseInt(m.group(6)),
                m.group(7) == null ? 0 : Integer.parseInt(m.group(7)));
    }

    /** {@return the work-items per group, 32 per warp} */
    public int workGroupSize() {
        return 32 * wm * wn;
    }

    /**
     * Local memory the kernel declares, in the largest of its transpose variants: each stage one tile of op(A) and of
     * op(B), k-contiguous at kwg + 4 floats per row or m/n-contiguous at mwg + 8 (nwg + 8) floats per k; the emulation
     * adds the warps' fragment exchange.
     *
     * @param emulated whether the PTX is emulated in OpenCL C (tests on devices without tensor cores)
     * @return the bytes of local memory per work-group
     */
    public long localMemBytes(boolean emulated) {
        long a = Math.max((long) mwg * (kwg + 4), (long) kwg * (mwg + 8));
        long b = Math.max((long) nwg * (kwg + 4), (long) kwg * (nwg + 8));
        long exchange = emulated ? (long) workGroupSize() * ((mwg / wm / 16) * 4 + (nwg / wn / 8) * 2) : 0;
        return (stages * (a + b) + exchange) * Float.BYTES;
    }

    /**
     * {@return whether the device can run this configuration (work-group size and local memory)}
     *
     * @param d        the device
     * @param emulated whether the PTX is emulated in OpenCL C
     */
    public boolean fits(OpenClDevice d, boolean emulated) {
        return workGroupSize() <= d.maxWorkGroupSize() && localMemBytes(emulated) <= d.localMemBytes();
    }

    /** The build options for gemm_mma.cl: the tile defines, the register cap on NVIDIA, and the emulation switch. */
    String options(OpenClDevice d, boolean emulated) {
        String defines = String.format(Locale.ROOT, "-DMWG=%d -DNWG=%d -DKWG=%d -DWM=%d -DWN=%d -DSTAGES=%d", mwg, nwg, kwg, wm, wn, stages);
        if (emulated) {
            defines += " -DMMA_EMULATE";
        }
        return maxRegisters > 0 && d.isNvidia() ? defines + " -cl-nv-maxrregcount=" + maxRegisters : defines;
    }

    /**
     * The configurations worth timing, best guess first: the default, the default capped at 128 registers (two groups
     * per SM), 128 × 64 blocks of 4 warps with three stages, and 64 × 64 blocks at k-depth 32.
     *
     * @param d the device, whose limits leave out what does not fit
     * @return the candidates that fit, best guess first
     */
    public static List<MmaConfig> candidates(OpenClDevice d) {
        return List.of(DEFAULT, new MmaConfig(128, 128, 16, 2, 4, 2, 128), new MmaConfig(128, 64, 16, 2, 2, 3, 0),
                new MmaConfig(64, 64, 32, 2, 2, 2, 0)).stream().filter(c -> c.fits(d, false)).toList();
    }

    @Override
    public String toString() {
        return mwg + "x" + nwg + "x" + kwg + "/" + wm + "x" + wn + "/s" + stages + (maxRegisters > 0 ? "/r" + maxRegisters : "");
    }
}
