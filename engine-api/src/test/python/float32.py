"""float32 rounding and printing for the fixture scripts here. Standard library only."""
import math
import struct


def f32(v):
    """v rounded to float32 (round to nearest even), as a Python float; overflow gives inf."""
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


def text(v):
    """The shortest decimal that reads back as the same float32."""
    if v == 0:
        return "-0.0" if math.copysign(1, v) < 0 else "0.0"
    for digits in range(1, 10):
        s = f"{v:.{digits}g}"
        if f32(float(s)) == v:
            return s
    return repr(v)
