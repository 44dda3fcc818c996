package delta4j.opencl;

import delta4j.engine.EngineUnavailableException;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import static org.jocl.CL.*;

/**
 * OpenCL platform and device discovery, and device selection.
 *
 * <p>Discovery runs once per JVM: the first call checks that the OpenCL library opens ({@link OpenClLibrary}, before
 * JOCL can print its own failure to standard output), loads JOCL's native library and lists the platforms.
 * A missing OpenCL library (found by that check, or a {@link LinkageError} from JOCL) and a loader without any platform
 * (CL_PLATFORM_NOT_FOUND_KHR, -1001) both become an {@link EngineUnavailableException} that names the
 * packages to install.
 */
public final class OpenClDevices {

    /** CL_PLATFORM_NOT_FOUND_KHR: what the ICD loader answers when no platform (vendor driver) is installed. */
    static final int PLATFORM_NOT_FOUND_KHR = -1001;

    /** What to install, said once for every "no OpenCL" message. */
    static final String INSTALL_HINT = "install an OpenCL driver (ICD) and the loader, e.g. on Debian/Ubuntu "
            + "'apt-get install pocl-opencl-icd ocl-icd-libopencl1 ocl-icd-opencl-dev' (PoCL runs on the CPU; for a GPU "
            + "install its vendor's OpenCL driver, e.g. NVIDIA's libnvidia-opencl with /etc/OpenCL/vendors/nvidia.icd). "
            + "JOCL opens the unversioned libOpenCL.so, which ocl-icd-opencl-dev provides";

    private static List<OpenClDevice> devices;
    private static EngineUnavailableException failure;

    private OpenClDevices() {
    }

    /**
     * Every OpenCL device on this machine, in selection-index order. Discovered once per JVM; a failure is
     * remembered and thrown again.
     *
     * @return the devices, each with its {@link OpenClDevice#index()}
     * @throws EngineUnavailableException when OpenCL cannot be loaded or no platform is installed
     */
    public static synchronized List<OpenClDevice> list() {
        if (devices == null && failure == null) {
            try {
                devices = discover(OpenClDevices::platformIds);
            } catch (EngineUnavailableException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new EngineUnavailableException(failure.getMessage(), failure);
        }
        return devices;
    }

    /** Discovery with the first CL call injectable, so the error translation is testable without uninstalling OpenCL. */
    static List<OpenClDevice> discover(Supplier<cl_platform_id[]> platforms) {
        cl_platform_id[] ids;
        try {
            ids = platforms.get();
        } catch (LinkageError e) {
            throw new EngineUnavailableException("OpenCL cannot be loaded (" + e + "): " + INSTALL_HINT, e);
        } catch (CLException e) {
            if (e.getStatus() == PLATFORM_NOT_FOUND_KHR) {
                throw noPlatform();
            }
            throw new EngineUnavailableException("listing OpenCL platforms failed with " + CL.stringFor_errorCode(e.getStatus())
                    + ": " + INSTALL_HINT, e);
        }
        if (ids.length == 0) {
            throw noPlatform();
        }
        List<OpenClDevice> out = new ArrayList<>();
        for (cl_platform_id p : ids) {
            String platformName = platformString(p, CL_PLATFORM_NAME);
            int[] count = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, count);
            } catch (CLException e) {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices
            }
            cl_device_id[] ds = new cl_device_id[count[0]];
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, ds.length, ds, null);
            for (cl_device_id d : ds) {
                out.add(describe(out.size(), p, d, platformName));
            }
        }
        if (out.isEmpty()) {
            throw new EngineUnavailableException("OpenCL platforms exist but none has a device: " + INSTALL_HINT);
        }
        return List.copyOf(out);
    }

    static EngineUnavailableException noPlatform() {
        return new EngineUnavailableException("no OpenCL platform is installed (clGetPlatformIDs found none, "
                + "CL_PLATFORM_NOT_FOUND_KHR): " + INSTALL_HINT);
    }

    private static cl_platform_id[] platformIds() {
        // JOCL prints to standard output when it cannot open the OpenCL library: ask the dynamic linker first.
        Optional<String> notLoadable = OpenClLibrary.whyNotLoadable();
        if (notLoadable.isPresent()) {
            throw new EngineUnavailableException("OpenCL cannot be loaded (" + notLoadable.get() + "): " + INSTALL_HINT);
        }
        CL.setExceptionsEnabled(true); // the first CL call: loads the native library
        CL.setLogLevel(CL.LogLevel.LOG_QUIET); // JOCL's native logger writes to standard output; errors arrive as CLException
        int[] n = new int[1];
        clGetPlatformIDs(0, null, n);
        cl_platform_id[] ids = new cl_platform_id[n[0]];
        if (n[0] > 0) {
            clGetPlatformIDs(ids.length, ids, null);
        }
        return ids;
    }

    private static OpenClDevice describe(int index, cl_platform_id p, cl_device_id d, String platformName) {
        long type = deviceLong(d, CL_DEVICE_TYPE);
        OpenClDevice.Type t = (type & CL_DEVICE_TYPE_GPU) != 0 ? OpenClDevice.Type.GPU
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? OpenClDevice.Type.CPU
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? OpenClDevice.Type.ACCELERATOR : OpenClDevice.Type.OTHER;
        String extensions = deviceString(d, CL_DEVICE_EXTENSIONS);
        return new OpenClDevice(index, p, d, deviceString(d, CL_DEVICE_NAME).trim(), deviceString(d, CL_DEVICE_VENDOR).trim(),
                platformName.trim(), t, deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE), deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE),
                deviceSize(d, CL_DEVICE_MAX_WORK_GROUP_SIZE), deviceString(d, CL_DRIVER_VERSION).trim(),
                deviceString(d, CL_DEVICE_VERSION).trim(), extensions.contains("cl_khr_fp64"), computeCapability(d, extensions));
    }

    /** cl_nv_device_attribute_query's CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV and ..._MINOR_NV. */
    private static final int CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV = 0x4000, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV = 0x4001;

    /** major·10 + minor where the device answers cl_nv_device_attribute_query, else 0. */
    private static int computeCapability(cl_device_id d, String extensions) {
        if (!extensions.contains("cl_nv_device_attribute_query")) {
            return 0;
        }
        try {
            return 10 * deviceInt(d, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV) + deviceInt(d, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV);
        } catch (org.jocl.CLException e) {
            return 0;
        }
    }

    /**
     * Picks a device by selector: null or "" or "default" for the default ({@link #defaultDevice}); an index
     * ("0"); a type ("gpu", "cpu", "accelerator"); or else a case-insensitive fragment of the device, vendor
     * or platform name ("h100", "nvidia", "pocl"). Among several matches the one with most compute units wins.
     *
     * @param all the devices to choose from, usually {@link #list()}
     * @param selector the selector, in any case; null for the default
     * @return the device selected
     * @throws EngineUnavailableException when nothing matches; the message lists the devices
     */
    public static OpenClDevice select(List<OpenClDevice> all, String selector) {
        String s = selector == null ? "" : selector.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("default") || s.equals("auto")) {
            return defaultDevice(all);
        }
        Optional<OpenClDevice> found;
        if (s.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(s);
            found = i < all.size() ? Optional.of(all.get(i)) : Optional.empty();
        } else if (s.equals("gpu") || s.equals("cpu") || s.equals("accelerator")) {
            OpenClDevice.Type t = OpenClDevice.Type.valueOf(s.toUpperCase(Locale.ROOT));
            found = all.stream().filter(d -> d.type() == t).max(Comparator.comparingInt(OpenClDevice::computeUnits));
        } else {
            found = all.stream()
                    .filter(d -> (d.name() + " " + d.vendor() + " " + d.platformName()).toLowerCase(Locale.ROOT).contains(s))
                    .max(Comparator.comparingInt(OpenClDevice::computeUnits));
        }
        return found.orElseThrow(() -> new EngineUnavailableException("no OpenCL device matches '" + selector
                + "': select by index, type (gpu, cpu, accelerator) or a fragment of the name; the devices here are: "
                + String.join("; ", all.stream().map(OpenClDevice::describe).toList())));
    }

    /**
     * {@return the GPU with the most compute units, else the device with the most compute units}
     *
     * @param all the devices to choose from, usually {@link #list()}
     * @throws EngineUnavailableException if {@code all} is empty
     */
    public static OpenClDevice defaultDevice(List<OpenClDevice> all) {
        Comparator<OpenClDevice> byUnits = Comparator.comparingInt(OpenClDevice::computeUnits);
        return all.stream().filter(OpenClDevice::isGpu).max(byUnits)
                .orElseGet(() -> all.stream().max(byUnits).orElseThrow(OpenClDevices::noPlatform));
    }

    // ---------------------------------------------------------------- info queries

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    private static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return Sizeof.size_t == 4 ? v[0] & 0xffffffffL : v[0];
    }
}
