package delta4j.opencl;

import delta4j.engine.Engine;
import delta4j.engine.Engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The child JVM of {@link NamedEngineIsolationTest}: reports whether libOpenCL is mapped after each step. */
public final class NamedEngineMain {

    private NamedEngineMain() {
    }

    public static void main(String[] args) throws IOException {
        try (Engine e = Engines.create("reference")) {
            System.out.println("after create(reference): libOpenCL mapped: " + openClMapped());
        }
        Engines.list();
        System.out.println("after list(): libOpenCL mapped: " + openClMapped());
    }

    private static boolean openClMapped() throws IOException {
        return Files.readString(Path.of("/proc/self/maps")).contains("libOpenCL");
    }
}
