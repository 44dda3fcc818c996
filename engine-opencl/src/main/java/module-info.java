/**
 * delta4j's OpenCL engine: the kernel set in OpenCL C through JOCL, with all training state on the device.
 * Select it as "opencl" (or let "auto" pick it when the default device is a GPU).
 */
module delta4j.opencl {
    requires transitive delta4j.api;
    // JOCL 2.0.5 has no Automatic-Module-Name: its module name comes from the jar's file name.
    requires jocl;

    exports delta4j.opencl;

    provides delta4j.engine.EngineProvider with delta4j.opencl.OpenClEngineProvider;
}
