package delta4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Java examples, taken from README.md itself, compiled and run, so they cannot rot. */
class ReadmeExamplesTest {

    static String block(String marker) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("<!-- " + marker + ":[^>]*-->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no '" + marker + "' java block");
        return m.group(1);
    }

    /** Where the examples are compiled; JUnit deletes it after each test. */
    @TempDir
    Path dir;

    String compileAndRun(String className, String source) throws Exception {
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK (not a JRE) is needed to compile the README examples");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, "-cp", System.getProperty("java.class.path"), "-d", dir.toString(), file.toString());
        assertEquals(0, rc, "README example " + className + " does not compile:\n" + err);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader cl = new URLClassLoader(new URL[]{dir.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            cl.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void quickStartCompilesRunsAndLearns() throws Exception {
        String out = compileAndRun("QuickStart", block("quickstart"));
        Matcher m = Pattern.compile("loss ([0-9.]+) after").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Double.parseDouble(m.group(1)) < 0.02, "the quick start should learn its function: " + out);
    }

    @Test
    void saveAndLoadExampleRoundTripsAndResumes() throws Exception {
        String out = compileAndRun("SaveAndLoad", block("saveload"));
        assertTrue(out.contains("loaded the same weights: true"), out);
        assertTrue(out.contains("resumed after epoch 50, loss ") && out.contains(" after epoch 100"), out);
    }

    @Test
    void backendExampleComputesTheProduct() throws Exception {
        String out = compileAndRun("Backend", block("backend"));
        assertTrue(out.contains("[58.0, 64.0, 139.0, 154.0]"), out);
    }
}
