package delta4j.opencl;

/**
 * An OpenCL call failed, a kernel did not build, or a request does not fit the device. The message says
 * what was asked, what the device answered (the OpenCL error name, a build log, the sizes involved) and,
 * where there is one, what to do.
 */
public class OpenClException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * An OpenCL failure.
     *
     * @param message what was asked, what the device answered and what to do
     */
    public OpenClException(String message) {
        super(message);
    }

    /**
     * An OpenCL failure with an underlying cause.
     *
     * @param message what was asked, what the device answered and what to do
     * @param cause the failure beneath it (JOCL's exception, an I/O error reading a kernel source)
     */
    public OpenClException(String message, Throwable cause) {
        super(message, cause);
    }
}
