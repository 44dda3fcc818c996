package delta4j.opencl;

import delta4j.engine.Engine;
import delta4j.engine.EngineConfig;
import delta4j.engine.EngineProvider;
import delta4j.engine.EngineUnavailableException;
import delta4j.engine.Precision;

/**
 * Finds the OpenCL engine for {@link delta4j.engine.Engines}: name "opencl". "auto" prefers it (priority
 * 1000) only when the default device is a GPU; an OpenCL CPU device such as PoCL is never faster than the
 * cpu engine, so it is then only used when asked for by name.
 */
public final class OpenClEngineProvider implements EngineProvider {

    /** Called by {@link java.util.ServiceLoader}; probing loads OpenCL only when asked. */
    public OpenClEngineProvider() {
    }
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public Availability probe() {
        try {
            OpenClDevice d = OpenClDevices.defaultDevice(OpenClDevices.list());
            return Availability.yes(d.summary(), d.isGpu());
        } catch (EngineUnavailableException e) {
            return Availability.no(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("probing OpenCL failed (" + e + "): " + OpenClDevices.INSTALL_HINT);
        }
    }

    @Override
    public java.util.List<Availability> devices() {
        try {
            return OpenClDevices.list().stream().map(d -> Availability.yes(d.describe(), d.isGpu())).toList();
        } catch (RuntimeException | LinkageError e) {
            return java.util.List.of();
        }
    }

    @Override
    public int autoPriority(Availability availability) {
        return availability.available() && availability.gpu() ? 1000 : -1;
    }

    @Override
    public Engine create(EngineConfig config) {
        OpenClDevice d = OpenClDevices.select(OpenClDevices.list(), config == null ? null : config.device());
        try {
            return new OpenClEngine(d, config == null ? Precision.FP32 : config.precision());
        } catch (OpenClException e) {
            throw new EngineUnavailableException(e.getMessage(), e);
        }
    }
}
