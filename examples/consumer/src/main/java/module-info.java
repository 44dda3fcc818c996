/**
 * The example as a module: it requires the library only. The cpu engine's module, on the module path too, is
 * resolved by service binding (delta4j.api uses EngineProvider) and brings jdk.incubator.vector with it, so
 * no JVM flag is needed here.
 */
module com.example.consumer {
    requires delta4j.api;
}
