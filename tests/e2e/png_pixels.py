#!/usr/bin/python3
"""Count the pixels of a PNG (8-bit RGB or RGBA, as Chromium's screenshots)
within TOL of each colour R,G,B, with zlib and the PNG filters only (no
imaging library in Debian's python3 by default).
usage: png_pixels.py FILE TOL R,G,B [R,G,B ...]   prints one count a line"""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "only 8-bit RGB/RGBA"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev = zlib.decompress(idat), w * bpp, bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield line, bpp
        prev = line


def main():
    tol = int(sys.argv[2])
    want = [tuple(int(x) for x in c.split(",")) for c in sys.argv[3:]]
    counts = [0] * len(want)
    for line, bpp in rows(sys.argv[1]):
        for i in range(0, len(line), bpp):
            px = line[i:i + 3]
            for k, c in enumerate(want):
                if all(abs(px[j] - c[j]) <= tol for j in range(3)):
                    counts[k] += 1
    print("\n".join(str(c) for c in counts))


main()
