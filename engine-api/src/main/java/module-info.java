/**
 * delta4j's engine-neutral core: the Engine SPI and kernel set ({@code delta4j.engine}), the reference
 * engine, the MLP model and trainer ({@code delta4j.model}) and datasets ({@code delta4j.data}).
 */
module delta4j.api {
    exports delta4j.engine;
    exports delta4j.engine.reference;
    exports delta4j.model;
    exports delta4j.data;

    uses delta4j.engine.EngineProvider;

    provides delta4j.engine.EngineProvider with delta4j.engine.reference.ReferenceEngine.Provider;
}
