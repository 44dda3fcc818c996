package delta4j.opencl;

import delta4j.conformance.EngineConformanceKit;
import delta4j.engine.Engine;

/** The OpenCL engine against the reference engine, kernel by kernel (the shared conformance kit). */
class OpenClConformanceTest extends EngineConformanceKit {

    @Override
    protected Engine createEngine() {
        return OpenClTestSupport.engine();
    }
}
