
// The byte gather's conversion (Engine.uploadRows of bytes): the host gathers the batch's rows of unsigned bytes and
// uploads them, a quarter of the floats' traffic, and each becomes its quotient, looked up in the 256 floats the host
// computed with Java's float division: the floats are the host's bit for bit, where OpenCL C's own division may be
// 2.5 ulp off. B: size uchars, T: 256 floats, Y: size floats.
__kernel void unsigned_bytes(const int size, const __global uchar* B, const __global float* T, __global float* Y) {
    const int e = get_global_id(0);
    if (e < size) {
        Y[e] = T[B[e]];
    }
}
