package delta4j.cli.io;

import org.junit.jupiter.api.function.Executable;

/** Runs test code with a system property set, and puts back what the property was (or its absence) afterwards. */
final class TestProperties {

    private TestProperties() {
    }

    static void with(String name, String value, Executable body) throws Throwable {
        String before = System.getProperty(name);
        System.setProperty(name, value);
        try {
            body.execute();
        } finally {
            if (before == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, before);
            }
        }
    }
}
