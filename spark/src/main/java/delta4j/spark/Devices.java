package delta4j.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.Map;

/**
 * The device a task's engine opens. With Spark's GPU-aware scheduling
 * ({@code spark.executor.resource.gpu.amount}, {@code spark.task.resource.gpu.amount}) a task is handed
 * the addresses of its GPUs; the opencl engine opens the first as its device index. Other engines and
 * tasks without a GPU use the engine's default.
 */
final class Devices {

    /** The resource name Spark's GPU scheduling uses. */
    static final String GPU = "gpu";

    private Devices() {
    }

    /** The device selector for {@code engine} given a task's resources, or null for the engine's default. */
    static String forTask(String engine, Map<String, ResourceInformation> resources) {
        if (!"opencl".equalsIgnoreCase(engine) || resources == null) {
            return null;
        }
        ResourceInformation gpu = resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return null;
        }
        String address = gpu.addresses()[0].trim();
        if (!address.matches("\\d+")) {
            throw new IllegalArgumentException("Spark assigned GPU address '" + address + "', not a device index: the opencl engine"
                    + " opens devices by index, so the discovery script must report indices (0, 1, ...)");
        }
        return address;
    }

    static String forTask(String engine, TaskContext ctx) {
        return ctx == null ? null : forTask(engine, ctx.resourcesJMap());
    }
}
