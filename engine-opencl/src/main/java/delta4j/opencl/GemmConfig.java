package delta4j.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tile parameters of the SGEMM kernels (gemm.cl), compiled in as defines.
 *
 * <p>A work-group of {@code mdimc × ndimc} work-items computes an {@code mwg × nwg} block of C, stepping
 * through k {@code kwg} at a time with both tiles staged (double-buffered) in local memory; each work-item
 * holds an {@code (mwg/mdimc) × (nwg/ndimc)} block of C in registers. {@code pad} floats are added to each
 * local-memory row to keep the transposed tile stores off a single bank.
 *
 * <p>{@code maxRegisters}, when positive, caps the registers per work-item on NVIDIA devices
 * (-cl-nv-maxrregcount): 128 guarantees two 256-item groups per SM, at the risk of spilling; other
 * devices ignore it.
 *
 * <p>Written as "MWGxNWGxKWG/MDIMCxNDIMC[/padP][/rR]", e.g. "128x128x16/16x16" or "128x128x16/16x16/r128".
 *
 * @param mwg          rows of C per work-group (the block's height), a multiple of 4·mdimc
 * @param nwg          columns of C per work-group (the block's width), a multiple of 4·ndimc
 * @param kwg          the k-depth of the tiles staged in local memory per step, a multiple of 4
 * @param mdimc        work-items per work-group along the rows of C
 * @param ndimc        work-items per work-group along the columns of C
 * @param pad          floats added to each local-memory row, a multiple of 4 (≥ 0)
 * @param maxRegisters the register cap per work-item on NVIDIA devices; 0 leaves it to the compiler
 */
public record GemmConfig(int mwg, int nwg, int kwg, int mdimc, int ndimc, int pad, int maxRegisters) {

    /**
     * For NVIDIA (and other) GPUs: 256 work-items, 8×8 floats of C each (64 accumulators; about 128
     * registers, so two groups fit an SM's register file), k-depth 8: 2·8·(128+4)·2·4 B = 17 KiB of
     * local memory for the double-buffered tiles, so more groups share an SM. Measured on an NVIDIA H200
     * (driver 580, docs/gpu/results.md): 43.6 TFLOP/s at 4096³ against 39.4 with k-depth 16.
     */
    public static final GemmConfig GPU_DEFAULT = new GemmConfig(128, 128, 8, 16, 16, 4, 0);

    /**
     * For products too small to fill a GPU with 128×128 blocks (fewer blocks than compute units, e.g. an
     * output layer of 1024 units at batch 2048, or a 1024² product): 64×64 blocks of 4×4 per work-item
     * make four times as many work-groups.
     */
    public static final GemmConfig GPU_SMALL = new GemmConfig(64, 64, 16, 16, 16, 4, 0);

    /**
     * For CPU devices (PoCL): 64 work-items of 4×4. PoCL runs a work-group as loops over its work-items,
     * so small groups with small tiles keep the working set in L1/L2; the device is a correctness target.
     */
    public static final GemmConfig CPU_DEFAULT = new GemmConfig(32, 32, 8, 8, 8, 4, 0);

    private static final Pattern FORMAT = Pattern.compile("(\\d+)x(\\d+)x(\\d+)/(\\d+)x(\\d+)(?:/pad(\\d+))?(?:/r(\\d+))?");

    /**
     * Checks that the tiles divide as the kernel needs: sizes positive, each work-item's block whole multiples of
     * 4, kwg and pad multiples of 4, each tile a whole number of float4s per work-item.
     *
     * @throws IllegalArgumentException if a constraint fails, naming it
     */
    public GemmConfig {
        String why = maxRegisters < 0 ? "maxRegisters must be 0 (compiler's choice) or positive"
                : problem(mwg, nwg, kwg, mdimc, ndimc, pad);
        if (why != null) {
            throw new IllegalArgumentException("gemm tile " + mwg + "x" + nwg + "x" + kwg + "/" + mdimc + "x" + ndimc
                    + "/pad" + pad + " is invalid: " + why);
        }
    }

    private static String problem(int mwg, int nwg, int kwg, int mdimc, int ndimc, int pad) {
        if (mwg <= 0 || nwg <= 0 || kwg <= 0 || mdimc <= 0 || ndimc <= 0 || pad < 0) {
            return "all sizes must be positive";
        }
        if (mwg % mdimc != 0 || nwg % ndimc != 0 || (mwg / mdimc) % 4 != 0 || (nwg / ndimc) % 4 != 0) {
            return "each work-item's block (mwg/mdimc × nwg/ndimc) must be whole multiples of 4";
        }
        if (kwg % 4 != 0 || pad % 4 != 0) {
            return "kwg and pad must be multiples of 4";
        }
        int wgs = mdimc * ndimc;
        if ((mwg * kwg) % (4 * wgs) != 0 || (nwg * kwg) % (4 * wgs) != 0) {
            return "each tile must be a whole number of float4s per work-item (mwg·kwg and nwg·kwg divisible by 4·mdimc·ndimc)";
        }
        return null;
    }

    /**
     * Tiles without a register cap.
     *
     * @param mwg   rows of C per work-group
     * @param nwg   columns of C per work-group
     * @param kwg   the k-depth of the tiles per step
     * @param mdimc work-items per work-group along the rows of C
     * @param ndimc work-items per work-group along the columns of C
     * @param pad   floats added to each local-memory row
     * @throws IllegalArgumentException if the tiles do not divide as the kernel needs
     */
    public GemmConfig(int mwg, int nwg, int kwg, int mdimc, int ndimc, int pad) {
        this(mwg, nwg, kwg, mdimc, ndimc, pad, 0);
    }

    /**
     * Parses "128x128x16/16x16" (optionally followed by "/pad4" and "/r128"); pad defaults to 4, the register
     * cap to none.
     *
     * @param s the tile, as {@link #toString()} writes it
     * @return the configuration
     * @throws IllegalArgumentException if {@code s} is not of that form or the tiles are invalid
     */
    public static GemmConfig parse(String s) {
        Matcher m = FORMAT.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("gemm tile '" + s + "' is not of the form MWGxNWGxKWG/MDIMCxNDIMC[/padP][/rR], e.g. 128x128x16/16x16");
        }
        int pad = m.group(6) == null ? 4 : Integer.parseInt(m.group(6));
        int regs = m.group(7) == null ? 0 : Integer.parseInt(m.group(7));
        return new GemmConfig(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), pad, regs);
    }

    /** {@return work-items per group} */
    public int workGroupSize() {
        return mdimc * ndimc;
    }

    /** {@return local memory the kernel declares: two buffers of each tile} */
    public long localMemBytes() {
        return 2L * kwg * ((mwg + pad) + (nwg + pad)) * Float.BYTES;
    }

    /**
     * {@return whether the device can run this configuration (work-group size and local memory)}
     *
     * @param d the device
     */
    public boolean fits(OpenClDevice d) {
        return workGroupSize() <= d.maxWorkGroupSize() && localMemBytes() <= d.localMemBytes();
    }

    /** The build options for gemm.cl on a device: the tile defines, fma on GPUs, and the register cap on NVIDIA. */
    String options(OpenClDevice d) {
        String defines = String.format(Locale.ROOT, "-DMWG=%d -DNWG=%d -DKWG=%d -DMDIMC=%d -DNDIMC=%d -DPAD=%d", mwg, nwg, kwg, mdimc, ndimc, pad);
        if (d.isGpu()) {
            defines += " -DUSE_FMA";
        }
        return maxRegisters > 0 && d.isNvidia() ? defines + " -cl-nv-maxrregcount=" + maxRegisters : defines;
    }

    /**
     * {@return the default for a device: {@link #GPU_DEFAULT} on GPUs, {@link #CPU_DEFAULT} elsewhere, the first that fits}
     *
     * @param d the device
     */
    public static GemmConfig defaultFor(OpenClDevice d) {
        return candidates(d).getFirst();
    }

    /**
     * The configurations worth timing on a device, best guess first; all fit the device. On GPUs these are
     * the 128×128 block at k-depth 8 (the default) and 16 (also capped at 128 registers on NVIDIA), a 128×64 block (fewer
     * registers, more groups per SM) and 64×64 (for devices with small local memory); CPU devices get small
     * tiles.
     *
     * @param d the device
     * @return the candidates, best guess first, at least one
     */
    public static List<GemmConfig> candidates(OpenClDevice d) {
        List<GemmConfig> all = new ArrayList<>();
        if (d.isGpu() || d.type() == OpenClDevice.Type.ACCELERATOR) {
            all.add(GPU_DEFAULT);
            if (d.isNvidia()) {
                all.add(new GemmConfig(128, 128, 16, 16, 16, 4, 128));
            }
            all.add(new GemmConfig(128, 128, 16, 16, 16, 4));
            all.add(new GemmConfig(128, 64, 16, 16, 16, 4));
            all.add(new GemmConfig(64, 64, 16, 16, 16, 4));
            all.add(new GemmConfig(32, 32, 8, 8, 8, 4));
        } else {
            all.add(CPU_DEFAULT);
            all.add(new GemmConfig(64, 64, 8, 8, 8, 4));
            all.add(new GemmConfig(16, 16, 8, 4, 4, 4));
        }
        List<GemmConfig> fit = all.stream().filter(c -> c.fits(d)).toList();
        return fit.isEmpty() ? List.of(new GemmConfig(16, 16, 4, 4, 4, 0)) : fit;
    }

    @Override
    public String toString() {
        return mwg + "x" + nwg + "x" + kwg + "/" + mdimc + "x" + ndimc + (pad == 4 ? "" : "/pad" + pad)
                + (maxRegisters > 0 ? "/r" + maxRegisters : "");
    }
}
