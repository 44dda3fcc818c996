package delta4j.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the engine's device line says of the vectors: the width names the ISA, except on a narrowed AVX-512 JVM. */
class SimdDescribeTest {

    @Test
    void widthNamesTheInstructionSet() {
        assertEquals("AVX-512 (16 float lanes)", Simd.describe("amd64", 512, true));
        assertEquals("AVX2 (8 float lanes)", Simd.describe("amd64", 256, false));
        assertEquals("SSE (4 float lanes)", Simd.describe("x86_64", 128, false));
        assertEquals("NEON (4 float lanes)", Simd.describe("aarch64", 128, false));
        assertEquals("SVE 256-bit (8 float lanes)", Simd.describe("aarch64", 256, false));
    }

    @Test
    void anAvx512CpuHeldTo256BitsIsNotCalledAvx2() {
        // -XX:MaxVectorSize=32 on an AVX-512 CPU: 8 lanes, still the AVX-512 instructions (and 32 registers).
        assertEquals("AVX-512 CPU at 256 bits (8 float lanes)", Simd.describe("amd64", 256, true));
        assertEquals("AVX-512 CPU at 128 bits (4 float lanes)", Simd.describe("amd64", 128, true));
    }
}
