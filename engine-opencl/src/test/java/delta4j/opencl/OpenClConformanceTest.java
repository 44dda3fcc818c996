package delta4j.opencl;

import delta4j.conformance.EngineConformanceKit;
import delta4j.engine.Engine;
import delta4j.engine.Precision;

/** The OpenCL engine against the reference engine, kernel by kernel (the shared conformance kit), at every precision. */
class OpenClConformanceTest extends EngineConformanceKit {

    @Override
    protected Engine createEngine() {
        return OpenClTestSupport.engine();
    }

    @Override
    protected Engine createEngine(Precision precision) {
        return OpenClTestSupport.engine(precision);
    }
}
