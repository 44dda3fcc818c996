package delta4j.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No method of the engine takes or returns a Vector API type (a vector, mask or shuffle). A vector that crosses
 * a call C2 does not inline is boxed, and whether C2 inlines a callee depends on the order in which methods were
 * compiled (a caller past its node budget, a callee already compiled on its own into more than
 * {@code InlineSmallCode} bytes): kernels with such helpers allocated megabytes per call in some runs and none in
 * others. Helpers take an array and an offset instead ({@link Simd#exp}, {@link Simd#sum}), so a call left in
 * place costs a call, never an allocation. {@code SteadyStateAllocationTest} checks the result at run time,
 * also in a JVM where C2 inlines none of the engine's methods (engine-cpu's pom, execution "no-inlining").
 */
class VectorSignatureTest {

    @Test
    void noMethodOfTheEngineTakesOrReturnsAVector() throws Exception {
        List<String> classes = engineClasses();
        assertTrue(classes.size() >= 10, "found the engine's classes: " + classes);
        List<String> offenders = new ArrayList<>();
        for (String name : classes) {
            Class<?> c = Class.forName(name, false, CpuEngine.class.getClassLoader());
            for (Method m : c.getDeclaredMethods()) {
                List<Type> types = new ArrayList<>(List.of(m.getGenericParameterTypes()));
                types.add(m.getGenericReturnType());
                for (Type t : types) {
                    if (t.getTypeName().startsWith("jdk.incubator.vector.")) {
                        offenders.add(c.getSimpleName() + "." + m.getName() + " (" + t.getTypeName() + ")");
                        break;
                    }
                }
            }
        }
        assertEquals(List.of(), offenders, "methods with a vector in their signature: pass an array and an offset");
    }

    /**
     * The main classes of package delta4j.cpu: the class files beside CpuEngine.class (the module's class folder or
     * jar; test classes are patched in from another folder and are not listed).
     */
    static List<String> engineClasses() throws IOException, URISyntaxException {
        URI self = CpuEngine.class.getResource("CpuEngine.class").toURI();
        List<String> classes = new ArrayList<>();
        if (self.getScheme().equals("jar")) {
            String jar = self.getSchemeSpecificPart();
            try (JarFile file = new JarFile(Path.of(URI.create(jar.substring(0, jar.indexOf("!/")))).toFile())) {
                file.stream().map(JarEntry::getName).filter(n -> n.startsWith("delta4j/cpu/") && n.endsWith(".class"))
                        .forEach(n -> classes.add(n.substring(0, n.length() - 6).replace('/', '.')));
            }
        } else {
            try (Stream<Path> files = Files.list(Path.of(self).getParent())) {
                files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".class"))
                        .forEach(n -> classes.add("delta4j.cpu." + n.substring(0, n.length() - 6)));
            }
        }
        classes.removeIf(n -> n.endsWith("module-info"));
        return classes;
    }
}
