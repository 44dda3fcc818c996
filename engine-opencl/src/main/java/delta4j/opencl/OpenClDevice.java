package delta4j.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.util.Locale;

/**
 * One OpenCL device as discovery found it: what it is, and the limits the engine plans with.
 *
 * <p>{@link #index()} is the device's position in {@link OpenClDevices#list()} (platforms in the ICD
 * loader's order, then each platform's devices), the number users select it by.
 */
public final class OpenClDevice {

    /** The device types delta4j tells apart. */
    public enum Type {
        /** CL_DEVICE_TYPE_GPU. */
        GPU,
        /** CL_DEVICE_TYPE_CPU (e.g. PoCL's host device). */
        CPU,
        /** CL_DEVICE_TYPE_ACCELERATOR; planned for as a GPU. */
        ACCELERATOR,
        /** Any other type. */
        OTHER
    }

    private final int index;
    final cl_platform_id platform;
    final cl_device_id id;
    private final String name;
    private final String vendor;
    private final String platformName;
    private final Type type;
    private final int computeUnits;
    private final long globalMemBytes;
    private final long maxAllocBytes;
    private final long localMemBytes;
    private final long maxWorkGroupSize;
    private final String driverVersion;
    private final String version;
    private final boolean fp64;
    private final int computeCapability;

    OpenClDevice(int index, cl_platform_id platform, cl_device_id id, String name, String vendor, String platformName,
                 Type type, int computeUnits, long globalMemBytes, long maxAllocBytes, long localMemBytes,
                 long maxWorkGroupSize, String driverVersion, String version, boolean fp64, int computeCapability) {
        this.index = index;
        this.platform = platform;
        this.id = id;
        this.name = name;
        this.vendor = vendor;
        this.platformName = platformName;
        this.type = type;
        this.computeUnits = computeUnits;
        this.globalMemBytes = globalMemBytes;
        this.maxAllocBytes = maxAllocBytes;
        this.localMemBytes = localMemBytes;
        this.maxWorkGroupSize = maxWorkGroupSize;
        this.driverVersion = driverVersion;
        this.version = version;
        this.fp64 = fp64;
        this.computeCapability = computeCapability;
    }

    /** {@return position in {@link OpenClDevices#list()}: select with {@code --device <index>}} */
    public int index() {
        return index;
    }

    /** {@return CL_DEVICE_NAME, e.g. "NVIDIA H100 80GB HBM3"} */
    public String name() {
        return name;
    }

    /** {@return CL_DEVICE_VENDOR} */
    public String vendor() {
        return vendor;
    }

    /** {@return CL_PLATFORM_NAME of the platform the device belongs to} */
    public String platformName() {
        return platformName;
    }

    /** {@return the device's type, from CL_DEVICE_TYPE} */
    public Type type() {
        return type;
    }

    /** {@return whether the device is a GPU} */
    public boolean isGpu() {
        return type == Type.GPU;
    }

    /** {@return whether the vendor is NVIDIA (its tile defaults differ from other GPUs' only in name today)} */
    public boolean isNvidia() {
        return vendor.toLowerCase(Locale.ROOT).contains("nvidia") || name.toLowerCase(Locale.ROOT).contains("nvidia");
    }

    /** {@return CL_DEVICE_MAX_COMPUTE_UNITS (streaming multiprocessors on NVIDIA, cores on a CPU device)} */
    public int computeUnits() {
        return computeUnits;
    }

    /** {@return CL_DEVICE_GLOBAL_MEM_SIZE} */
    public long globalMemBytes() {
        return globalMemBytes;
    }

    /** {@return CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer} */
    public long maxAllocBytes() {
        return maxAllocBytes;
    }

    /** {@return CL_DEVICE_LOCAL_MEM_SIZE: local (shared) memory per work-group} */
    public long localMemBytes() {
        return localMemBytes;
    }

    /** {@return CL_DEVICE_MAX_WORK_GROUP_SIZE: the most work-items in one work-group} */
    public long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    /** {@return CL_DRIVER_VERSION (part of the tuning-cache key)} */
    public String driverVersion() {
        return driverVersion;
    }

    /** {@return CL_DEVICE_VERSION, e.g. "OpenCL 3.0 CUDA"} */
    public String version() {
        return version;
    }

    /** {@return whether the device has double precision (cl_khr_fp64); reductions then accumulate in double} */
    public boolean fp64() {
        return fp64;
    }

    /**
     * {@return NVIDIA's compute capability as major·10 + minor (80 for an A100, 90 for an H100), read through
     * the cl_nv_device_attribute_query extension; 0 on other devices} Tensor-core products need 80 or more.
     */
    public int computeCapability() {
        return computeCapability;
    }

    /**
     * {@return one line for listings: "0: NVIDIA H100 80GB HBM3 (GPU, 132 compute units, 79.1 GiB, NVIDIA CUDA, driver 580.1)"}
     */
    public String describe() {
        return index + ": " + name + " (" + type.name() + ", " + computeUnits + " compute units, " + gib(globalMemBytes)
                + ", " + platformName + ", driver " + driverVersion + ")";
    }

    /** {@return short form for {@code Engine.device()}: name and type} */
    public String summary() {
        return name + " (" + type.name() + ", " + computeUnits + " compute units, " + gib(globalMemBytes) + ", driver " + driverVersion + ")";
    }

    static String gib(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    @Override
    public String toString() {
        return describe();
    }
}
