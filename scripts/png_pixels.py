"""Reads a PNG with zlib alone and finds pixels of a colour: the screenshot checks' measuring tape
(scripts/check-html.sh, scripts/check-dashboard.sh)."""
import struct
import zlib


def read_png(path):
    """The rows of an 8-bit RGB(A) PNG as bytearrays, with the width, height and bytes a pixel."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and ctype in (2, 6) and interlace == 0, f"unexpected PNG format {depth=} {ctype=}"
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return rows, width, height, bpp


def hexrgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))


def pixels(rows, width, bpp, color, tol=36):
    """(x, y) of every pixel within `tol` (summed over the channels) of `color` (`#rrggbb`)."""
    rgb = hexrgb(color)
    out = []
    for y, line in enumerate(rows):
        for x in range(width):
            i = x * bpp
            if abs(line[i] - rgb[0]) + abs(line[i + 1] - rgb[1]) + abs(line[i + 2] - rgb[2]) <= tol:
                out.append((x, y))
    return out
