package delta4j.opencl;

/**
 * An OpenCL call failed, a kernel did not build, or a request does not fit the device. The message says
 * what was asked, what the device answered (the OpenCL error name, a build log, the sizes involved) and,
 * where there is one, what to do.
 */
public class OpenClException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public OpenClException(String message) {
        super(message);
    }

    public OpenClException(String message, Throwable cause) {
        super(message, cause);
    }
}
