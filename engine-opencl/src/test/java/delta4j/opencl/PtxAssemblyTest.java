package delta4j.opencl;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The tensor-core kernels as NVIDIA's assembler sees them, without a GPU: gemm_mma.cl (the engine's own file) is
 * compiled to PTX by clang's OpenCL front end for the NVPTX target (sm_80, with the work-item functions of
 * nvptx-prelude.cl), and ptxas assembles that PTX for sm_80 and sm_90. Each transpose variant at tf32 and bf16 with the
 * default tiles, the other tuning candidates on gemm_mma_nn: every inline PTX instruction must assemble; the kernel
 * must keep its accumulators in registers (no local-memory stack frame, no spills, unless its register cap asks for
 * them), fit 48 KiB of local memory, and contain the instructions it is written with (mma.sync of its precision,
 * cp.async, and ldmatrix where a tile is k-contiguous). Registers per work-item are printed.
 *
 * <p>Skipped when clang (with the NVPTX target) or ptxas is missing; their commands are {@code clang-15} (or
 * {@code clang}) and {@code ptxas} on the PATH, or the system properties {@code delta4j.clang} and
 * {@code delta4j.ptxas}. NVIDIA's OpenCL compiler is not clang, so this proves the PTX and the resource use of one
 * compilation of the source; the device's own build is the engine's probe (TensorCores).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PtxAssemblyTest {

    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");
    private static final Pattern STACK = Pattern.compile("(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");

    private String clang;
    private String ptxas;
    private String source;

    @TempDir
    Path dir;

    @BeforeAll
    void tools() throws IOException {
        clang = find(System.getProperty("delta4j.clang"), "clang-15", "clang");
        ptxas = find(System.getProperty("delta4j.ptxas"), "ptxas");
        Assumptions.assumeTrue(clang != null && ptxas != null, "PTX assembly check skipped: needs clang with the NVPTX target and ptxas"
                + " (found clang: " + clang + ", ptxas: " + ptxas + ")");
        source = resource("nvptx-prelude.cl") + "\n" + OpenClEngine.source("gemm_mma.cl");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = PtxAssemblyTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The first command that runs (and, for clang, knows the nvptx64 target), or null. */
    private static String find(String... candidates) {
        for (String c : candidates) {
            if (c == null || c.isBlank()) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(c, c.contains("clang") ? "-print-targets" : "--version").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && (!c.contains("clang") || out.contains("nvptx64"))) {
                    return c;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    Stream<Arguments> kernels() {
        List<Arguments> out = new ArrayList<>();
        for (int precision : new int[]{1, 2}) {
            for (String v : new String[]{"nn", "nt", "tn", "tt"}) {
                out.add(Arguments.of(MmaConfig.DEFAULT.toString(), v, precision));
            }
            for (MmaConfig c : List.of(MmaConfig.parse("128x128x16/2x4/s2/r128"), MmaConfig.parse("128x64x16/2x2/s3"),
                    MmaConfig.parse("64x64x32/2x2/s2"))) {
                out.add(Arguments.of(c.toString(), "nn", precision));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "gemm_mma_{1} {0} precision {2} assembles for sm_80 and sm_90")
    @MethodSource("kernels")
    void assembles(String tiles, String variant, int precision) throws Exception {
        MmaConfig c = MmaConfig.parse(tiles);
        String name = "gemm_mma_" + variant + "_" + precision + "_" + tiles.replaceAll("[^A-Za-z0-9]", "_");
        Path cl = dir.resolve(name + ".cl"), ptx = dir.resolve(name + ".ptx");
        Files.writeString(cl, source, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(clang, "-x", "cl", "-cl-std=CL1.2", "-target", "nvptx64-nvidia-nvcl",
                "-Xclang", "-target-cpu", "-Xclang", "sm_80", "-fgnu-keywords", "-O3", "-S", "-Xclang", "-finclude-default-header",
                "-DMWG=" + c.mwg(), "-DNWG=" + c.nwg(), "-DKWG=" + c.kwg(), "-DWM=" + c.wm(), "-DWN=" + c.wn(), "-DSTAGES=" + c.stages(),
                "-DTRANSA=" + (variant.charAt(0) == 't' ? 1 : 0), "-DTRANSB=" + (variant.charAt(1) == 't' ? 1 : 0),
                "-DPRECISION=" + precision, "-o", ptx.toString(), cl.toString()));
        run(cmd, "clang");
        String text = Files.readString(ptx);
        assertTrue(text.contains(precision == 1 ? "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"
                : "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), "the PTX has no mma.sync of its precision");
        assertTrue(text.contains(precision == 1 ? "cvt.rna.tf32.f32" : "cvt.rn.bf16x2.f32"), "the PTX has no rounding of its precision");
        assertTrue(text.contains("cp.async.cg.shared.global") && text.contains("cp.async.wait_group"), "the PTX has no cp.async");
        boolean kContiguous = variant.charAt(0) == 'n' || variant.charAt(1) == 't';
        assertEquals(kContiguous, text.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16"), "ldmatrix where a tile is k-contiguous");
        for (String arch : new String[]{"sm_80", "sm_90"}) {
            List<String> as = new ArrayList<>(List.of(ptxas, "-arch=" + arch, "-v", ptx.toString(), "-o", dir.resolve(name + "." + arch + ".cubin").toString()));
            if (c.maxRegisters() > 0) {
                as.add(1, "-maxrregcount=" + c.maxRegisters());
            }
            String info = run(as, "ptxas " + arch);
            Matcher used = USED.matcher(info), smem = SMEM.matcher(info), stack = STACK.matcher(info);
            assertTrue(used.find() && smem.find() && stack.find(), "ptxas -v said: " + info);
            int registers = Integer.parseInt(used.group(1)), shared = Integer.parseInt(smem.group(1));
            int frame = Integer.parseInt(stack.group(1)), spills = Integer.parseInt(stack.group(2)) + Integer.parseInt(stack.group(3));
            System.out.printf("ptxas %s gemm_mma_%s %s %s: %d registers, %d bytes local (shared) memory, stack %d, spills %d%n", arch, variant,
                    precision == 1 ? "tf32" : "bf16", tiles, registers, shared, frame, spills);
            assertTrue(shared <= 48 * 1024, "local memory " + shared + " bytes is over the 48 KiB an OpenCL work-group gets on NVIDIA");
            if (c.maxRegisters() == 0) {
                assertEquals(0, frame + spills, "the accumulators must stay in registers: " + info);
            } else {
                assertTrue(registers <= c.maxRegisters(), info);
            }
        }
    }

    private String run(List<String> cmd, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(what + " did not finish in 300 s");
        }
        if (p.exitValue() != 0) {
            fail(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
        }
        return out;
    }
}
