"""Check a PNG the way a decoder would, with the standard library only: the signature, an
IHDR of the expected width and height (8-bit RGB), CRCs, IDAT data that inflates to exactly
height rows of 1 + 3 * width bytes with valid filter bytes, an IEND last, and more than one
distinct pixel row (not a blank picture). Usage: check_png.py FILE WIDTH HEIGHT"""
import struct, sys, zlib

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
pos, chunks, idat = 8, [], b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
    chunks.append(kind)
    if kind == b"IDAT":
        idat += body
    if kind == b"IHDR":
        w, h, depth, color = struct.unpack(">IIBB", body[:10])
    pos += 12 + n
assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", chunks
assert (w, h) == (want_w, want_h), f"{w}x{h}, expected {want_w}x{want_h}"
assert (depth, color) == (8, 2), f"bit depth {depth}, colour type {color}: expected 8-bit RGB"
raw = zlib.decompress(idat)
stride = 1 + 3 * w
assert len(raw) == h * stride, "pixel data of the wrong size"
assert all(raw[r * stride] <= 4 for r in range(h)), "bad filter byte"
assert len({raw[r * stride + 1:(r + 1) * stride] for r in range(h)}) > 1 or len(set(raw)) > 2, "blank picture"
print(f"{path}: valid PNG, {w}x{h} 8-bit RGB, {len(chunks)} chunks")
