/**
 * delta4j's engine-neutral core: the Engine SPI and kernel set ({@code delta4j.engine}), the reference
 * engine, the MLP model and trainer ({@code delta4j.model}), datasets ({@code delta4j.data}) and the model
 * and checkpoint files with the atomic writer they are saved through ({@code delta4j.io}).
 */
module delta4j.api {
    exports delta4j.engine;
    exports delta4j.engine.reference;
    exports delta4j.model;
    exports delta4j.data;
    exports delta4j.io;

    uses delta4j.engine.EngineProvider;

    provides delta4j.engine.EngineProvider with delta4j.engine.reference.ReferenceEngine.Provider;
}
