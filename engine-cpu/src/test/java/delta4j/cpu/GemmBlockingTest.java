package delta4j.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GEMM's per-CPU choices from fake /proc/cpuinfo and sysfs cache inputs (no timing). */
class GemmBlockingTest {

    private static final String XEON = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 167
            model name\t: Intel(R) Xeon(R) Processor
            flags\t\t: fpu avx2 avx512f avx512vl

            processor\t: 1
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 999
            """;
    private static final String ZEN4 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 17
            model name\t: AMD EPYC 9R14 96-Core Processor
            flags\t\t: fpu avx2 avx512f
            """;
    private static final String ZEN5 = """
            vendor_id\t: AuthenticAMD
            cpu family\t: 26
            model\t\t: 2
            """;

    @TempDir
    Path dir;

    private Path caches(String... levelTypeSize) throws IOException {
        Path root = dir.resolve("cache" + levelTypeSize.length + levelTypeSize[0].hashCode());
        for (int i = 0; i < levelTypeSize.length; i++) {
            String[] f = levelTypeSize[i].split(" ");
            Path index = Files.createDirectories(root.resolve("index" + i));
            Files.writeString(index.resolve("level"), f[0] + "\n");
            Files.writeString(index.resolve("type"), f[1] + "\n");
            Files.writeString(index.resolve("size"), f[2] + "\n");
        }
        return root;
    }

    private static GemmBlocking choose(CpuFacts facts, int bits) {
        return GemmBlocking.choose(facts, bits, GemmBlocking.registers32(facts, bits, "amd64", () -> List.of()), name -> null);
    }

    @Test
    void readsTheFirstProcessorAndTheDataCaches() throws IOException {
        CpuFacts f = CpuFacts.parse(XEON, caches("1 Data 48K", "1 Instruction 64K", "2 Unified 2048K", "3 Unified 516096K"));
        assertEquals("GenuineIntel", f.vendor());
        assertEquals(6, f.family());
        assertEquals(167, f.model()); // not the second processor's
        assertEquals("Intel(R) Xeon(R) Processor", f.modelName());
        assertEquals(48 << 10, f.l1d()); // the instruction cache is skipped
        assertEquals(2 << 20, f.l2());
        assertEquals(516096L << 10, f.l3());
        assertTrue(f.avx512f());
        assertEquals("Intel family 6 model 167, L1d 48 KiB, L2 2048 KiB", f.describe());
    }

    @Test
    void missingFilesLeaveFactsUnknown() {
        CpuFacts f = CpuFacts.parse("", dir.resolve("absent"));
        assertEquals(CpuFacts.UNKNOWN, f);
        assertEquals("unknown CPU, L1d unknown, L2 unknown", f.describe());
        assertEquals(0, CpuFacts.parseSize("garbage"));
        assertEquals(32 << 20, CpuFacts.parseSize("32M"));
        assertEquals(4096, CpuFacts.parseSize("4096"));
    }

    @Test
    void xeonWithAvx512KeepsTheMeasuredConstants() throws IOException {
        CpuFacts f = CpuFacts.parse(XEON, caches("1 Data 48K", "2 Unified 2048K"));
        GemmBlocking g = choose(f, 512);
        assertEquals(new GemmBlocking(512, 12, 256, 72, 1024, f), g);
        assertEquals(32, g.nr());
        assertTrue(g.describe().startsWith("gemm 512-bit 12×32 tile, KC 256, MC 72, NC 1024 (Intel family 6"), g.describe());
        // The same CPU with the JVM held to AVX2 (-XX:UseAVX=2): 16 registers, 8 lanes.
        boolean avx2 = GemmBlocking.registers32(f, 256, "amd64", () -> List.of("-Xss4m", "-XX:UseAVX=2"));
        assertEquals(new GemmBlocking(256, 6, 256, 72, 1024, f), GemmBlocking.choose(f, 256, avx2, name -> null));
        // With -XX:MaxVectorSize=32 instead: 8 lanes, but EVEX keeps 32 registers, so the 12-row tile.
        assertEquals(new GemmBlocking(256, 12, 256, 72, 1024, f), choose(f, 256));
    }

    @Test
    void registersFollowTheJvmNotOnlyTheCpu() {
        CpuFacts avx512 = new CpuFacts("GenuineIntel", 6, 143, "", 0, 0, 0, true);
        CpuFacts avx2 = new CpuFacts("GenuineIntel", 6, 94, "", 0, 0, 0, false);
        assertTrue(GemmBlocking.registers32(avx512, 512, "amd64", () -> List.of()));
        assertTrue(GemmBlocking.registers32(avx512, 256, "amd64", () -> List.of("-XX:MaxVectorSize=32")));
        assertEquals(false, GemmBlocking.registers32(avx512, 256, "amd64", () -> List.of("-XX:UseAVX=2")));
        assertEquals(false, GemmBlocking.registers32(avx2, 256, "amd64", () -> List.of()));
        assertEquals(false, GemmBlocking.registers32(avx512, 128, "aarch64", () -> List.of()));
        assertTrue(GemmBlocking.registers32(avx512, 512, "aarch64", () -> List.of())); // SVE-512
    }

    @Test
    void zen4FillsItsSmallerL1WithTheBMicroPanel() throws IOException {
        CpuFacts f = CpuFacts.parse(ZEN4, caches("1 Data 32K", "2 Unified 1024K"));
        GemmBlocking g = choose(f, 512);
        assertEquals(512, g.vectorBits()); // the JVM's width: one species for the whole engine
        assertEquals(12, g.mr());
        assertTrue(f.splitsWideVectors());
        assertEquals(512, g.kc()); // 256 for a 32 KiB B micro-panel (the whole L1), doubled: 512-bit FMAs at half rate
        assertEquals(1024, g.nc()); // 512 × 1024 floats = 2 MiB, streamed from twice the L2
        assertEquals(72, g.mc());
        // With -XX:MaxVectorSize=32 (256-bit vectors, as its datapaths): 12 × 16 on EVEX's 32 registers, KC 256.
        assertEquals(new GemmBlocking(256, 12, 256, 72, 1024, f), choose(f, 256));
        // The width override narrows the GEMM alone.
        GemmBlocking narrow = GemmBlocking.choose(f, 512, true, Map.of(GemmBlocking.VECTOR_BITS, "256")::get);
        assertEquals(new GemmBlocking(256, 12, 256, 72, 1024, f), narrow);
    }

    @Test
    void zen5KeepsItsNativeWidth() throws IOException {
        CpuFacts f = CpuFacts.parse(ZEN5, caches("1 Data 48K", "2 Unified 1024K"));
        assertFalse(f.splitsWideVectors());
        assertEquals(new GemmBlocking(512, 12, 256, 72, 1024, f), choose(f, 512));
    }

    @Test
    void smallCachesShrinkTheBlocks() throws IOException {
        CpuFacts f = CpuFacts.parse(XEON, caches("1 Data 16K", "2 Unified 256K"));
        GemmBlocking g = choose(f, 512);
        assertEquals(128, g.kc()); // 128 × 32 floats = 16 KiB
        assertEquals(512, g.nc()); // 128 × 512 floats = 256 KiB; 1024 columns would overflow the 256 KiB L2
        GemmBlocking l2Small = choose(CpuFacts.parse(XEON, caches("1 Data 32K", "2 Unified 256K")), 512);
        assertEquals(256, l2Small.kc());
        assertEquals(256, l2Small.nc()); // 256 × 256 floats = 256 KiB
    }

    @Test
    void unknownCachesFallBackToTheMeasuredConstants() {
        assertEquals(new GemmBlocking(512, 12, 256, 72, 1024, CpuFacts.UNKNOWN), choose(CpuFacts.UNKNOWN, 512));
        assertEquals(new GemmBlocking(256, 6, 256, 72, 1024, CpuFacts.UNKNOWN), choose(CpuFacts.UNKNOWN, 256));
        // A Zen 4 whose sysfs is hidden: the fallback k block, doubled for its split vectors.
        CpuFacts zen4 = CpuFacts.parse(ZEN4, dir.resolve("absent"));
        assertEquals(new GemmBlocking(512, 12, 512, 72, 1024, zen4), choose(zen4, 512));
    }

    @Test
    void overridesWinAndAreChecked() {
        GemmBlocking g = GemmBlocking.choose(CpuFacts.UNKNOWN, 512, true, Map.of(GemmBlocking.KC, "128",
                GemmBlocking.MC, "48", GemmBlocking.NC, "512", GemmBlocking.MR, "6")::get);
        assertEquals(new GemmBlocking(512, 6, 128, 48, 512, CpuFacts.UNKNOWN), g);
        var wider = assertThrows(IllegalArgumentException.class, () -> GemmBlocking.choose(CpuFacts.UNKNOWN, 256, false,
                Map.of(GemmBlocking.VECTOR_BITS, "512")::get));
        assertTrue(wider.getMessage().startsWith("-Ddelta4j.cpu.gemm.vectorBits=512 "), wider.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.choose(CpuFacts.UNKNOWN, 512, true,
                Map.of(GemmBlocking.KC, "100")::get));
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.choose(CpuFacts.UNKNOWN, 512, true,
                Map.of(GemmBlocking.MC, "30")::get)); // not a multiple of 12
        assertThrows(IllegalArgumentException.class, () -> GemmBlocking.choose(CpuFacts.UNKNOWN, 512, true,
                Map.of(GemmBlocking.MR, "8")::get));
        var text = assertThrows(IllegalArgumentException.class, () -> GemmBlocking.choose(CpuFacts.UNKNOWN, 512, true,
                Map.of(GemmBlocking.NC, "lots")::get));
        assertEquals("-Ddelta4j.cpu.gemm.nc=lots is not an integer: remove it or give a number", text.getMessage());
    }
}
