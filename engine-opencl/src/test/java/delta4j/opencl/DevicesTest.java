package delta4j.opencl;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.Engines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device discovery and selection, the provider, and the gemm tuning cache. */
class DevicesTest {

    @Test
    void selectionByIndexTypeAndNameFragment() {
        OpenClTestSupport.requireOpenCl();
        List<OpenClDevice> all = OpenClDevices.list();
        OpenClDevice first = all.getFirst();
        assertSame(OpenClDevices.defaultDevice(all), OpenClDevices.select(all, null));
        assertSame(OpenClDevices.defaultDevice(all), OpenClDevices.select(all, " default "));
        assertSame(first, OpenClDevices.select(all, "0"));
        String fragment = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase(Locale.ROOT);
        assertEquals(first.name(), OpenClDevices.select(all, fragment).name().substring(0, first.name().length()));
        OpenClDevice byType = OpenClDevices.select(all, first.type().name().toLowerCase(Locale.ROOT));
        assertEquals(first.type(), byType.type());
        if (all.stream().anyMatch(OpenClDevice::isGpu)) {
            assertTrue(OpenClDevices.defaultDevice(all).isGpu(), "a GPU is the default when there is one");
        }
        for (OpenClDevice d : all) {
            assertTrue(d.computeUnits() > 0 && d.globalMemBytes() > 0 && d.maxAllocBytes() > 0, d.describe());
            assertFalse(d.driverVersion().isBlank(), d.describe());
        }
    }

    @Test
    void engineFoundByName() {
        OpenClTestSupport.requireOpenCl();
        assertTrue(Engines.names().contains("opencl"), Engines.names().toString());
        try (Engine e = Engines.create("opencl", EngineConfig.defaults().withDevice("0"))) {
            assertEquals("opencl", e.name());
            assertTrue(e.device().contains(OpenClDevices.list().getFirst().name()), e.device());
        }
    }

    @Test
    void gemmConfigsParseAndCheckThemselves() {
        assertEquals(GemmConfig.GPU_DEFAULT, GemmConfig.parse("128x128x8/16x16"));
        assertEquals(new GemmConfig(128, 128, 16, 16, 16, 4, 128), GemmConfig.parse("128x128x16/16x16/r128"));
        assertEquals("128x128x16/16x16/r128", GemmConfig.parse("128x128x16/16x16/pad4/r128").toString());
        assertEquals("16x16x4/4x4/pad0", GemmConfig.parse("16x16x4/4x4/pad0").toString());
        assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("128x128"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmConfig.parse("96x128x16/16x16"));
        assertTrue(e.getMessage().contains("multiples of 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GemmConfig(64, 64, 8, 16, 16, 4));
        OpenClDevice gpu = fakeDevice("NVIDIA H100 80GB HBM3", OpenClDevice.Type.GPU, 49152, 1024);
        assertEquals(GemmConfig.GPU_DEFAULT, GemmConfig.defaultFor(gpu));
        assertTrue(GemmConfig.GPU_DEFAULT.options(gpu).contains("-DMWG=128"));
        assertTrue(GemmConfig.GPU_DEFAULT.options(gpu).contains("-DUSE_FMA"), "GPUs multiply-add with fma()");
        assertTrue(GemmConfig.parse("128x128x16/16x16/r128").options(gpu).endsWith("-cl-nv-maxrregcount=128"));
        OpenClDevice cpu = fakeDevice("pthread-x86", OpenClDevice.Type.CPU, 1 << 21, 4096);
        assertEquals(GemmConfig.CPU_DEFAULT, GemmConfig.defaultFor(cpu));
        assertFalse(GemmConfig.parse("128x128x16/16x16/r128").options(cpu).contains("maxrreg"));
        // A small GPU: the 17 KiB default does not fit 16 KiB of local memory, so the next candidate is chosen.
        OpenClDevice small = fakeDevice("small gpu", OpenClDevice.Type.GPU, 16384, 256);
        assertTrue(GemmConfig.defaultFor(small).fits(small));
        assertFalse(GemmConfig.GPU_DEFAULT.fits(small));
    }

    @Test
    void tuningCacheRoundTripsPerDeviceAndDriver(@TempDir Path dir) throws IOException {
        String old = System.getProperty(GemmTuning.DIR_PROPERTY);
        System.setProperty(GemmTuning.DIR_PROPERTY, dir.toString());
        try {
            OpenClDevice gpu = fakeDevice("NVIDIA H100 80GB HBM3", OpenClDevice.Type.GPU, 49152, 1024);
            assertEquals(Optional.empty(), GemmTuning.load(gpu));
            GemmConfig c = GemmConfig.parse("128x64x16/16x16");
            Path f = GemmTuning.save(gpu, c, "test");
            assertTrue(f.getFileName().toString().startsWith("NVIDIA_H100_80GB_HBM3__580.1"), f.toString());
            assertEquals(Optional.of(c), GemmTuning.load(gpu));
            try (var s = Files.list(dir)) {
                assertEquals(1, s.count(), "no temporary files may be left behind");
            }
            Files.writeString(f, "gemm=garbage\n");
            assertEquals(Optional.empty(), GemmTuning.load(gpu), "an unreadable entry is ignored");
        } finally {
            if (old == null) {
                System.clearProperty(GemmTuning.DIR_PROPERTY);
            } else {
                System.setProperty(GemmTuning.DIR_PROPERTY, old);
            }
        }
    }

    static OpenClDevice fakeDevice(String name, OpenClDevice.Type type, long localMem, long maxWorkGroup) {
        return new OpenClDevice(0, null, null, name, name.startsWith("NVIDIA") ? "NVIDIA Corporation" : "test", "test platform",
                type, 132, 80L << 30, 20L << 30, localMem, maxWorkGroup, "580.159.04", "OpenCL 3.0", true, name.startsWith("NVIDIA") ? 90 : 0);
    }
}
