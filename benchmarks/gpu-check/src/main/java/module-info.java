/**
 * The OpenCL engine's check on a GPU machine ({@code gpu/check.sh} runs {@link delta4j.gpucheck.GpuCheck}): gemm tile
 * tuning, SGEMM GFLOP/s and MLP training throughput at each precision, written as JSON. It uses the engine's public
 * API only, tiles and tuning cache included ({@link delta4j.opencl.OpenClEngine}, {@link delta4j.opencl.GemmTuning}).
 */
module delta4j.gpucheck {
    requires delta4j.opencl;
    requires com.fasterxml.jackson.databind;

    exports delta4j.gpucheck;
}
