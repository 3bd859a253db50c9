"""Tiny inputs for the ctorch command line's tests, with the standard library only:
a four-file IDX dataset (28x28 images whose brightness pattern gives the class), a PNG, a
CSV row, a small CSV dataset (feats.csv, label last, with a header) and an image folder
(folder/<class>/*.png, 8x8 grayscale) with tiny models for both. Usage: make_fixtures.py OUTDIR"""
import gzip, os, struct, sys, zlib

out = sys.argv[1]
os.makedirs(os.path.join(out, "idx"), exist_ok=True)

def image(label, k):
    # class c lights up row band c (and a little noise from k), so a model can learn it
    px = bytearray(28 * 28)
    for y in range(28):
        for x in range(28):
            v = 200 if y // 3 == label else (k * 7 + x * 3 + y) % 40
            px[y * 28 + x] = v
    return bytes(px)

def write_idx(name, n, first):
    imgs = b"".join(image((first + i) % 10, first + i) for i in range(n))
    labels = bytes((first + i) % 10 for i in range(n))
    with gzip.open(os.path.join(out, "idx", name + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + imgs)
    with gzip.open(os.path.join(out, "idx", name + "-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)

write_idx("train", 320, 0)
write_idx("t10k", 100, 5)

def png(path, px, w, h):
    raw = b"".join(b"\x00" + px[y * w:(y + 1) * w] for y in range(h))
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

png(os.path.join(out, "three.png"), image(3, 1), 28, 28)
with open(os.path.join(out, "rows.csv"), "w") as f:
    f.write("label," + ",".join("p%d" % i for i in range(784)) + "\n")
    for c in (7, 2):
        f.write(str(c) + "," + ",".join(str(v) for v in image(c, 4)) + "\n")

# feats.csv: 16 features whose largest one is the class (of 4), the label in the last column
with open(os.path.join(out, "feats.csv"), "w") as f:
    f.write(",".join("f%d" % i for i in range(16)) + ",label\n")
    for k in range(200):
        c = k % 4
        row = [((k * 13 + i * 7) % 10) / 10 for i in range(16)]
        row[c * 4 + k % 4] = 3.0
        f.write(",".join("%g" % v for v in row) + ",%d\n" % c)
with open(os.path.join(out, "csv_mlp.json"), "w") as f:
    f.write('{"type": "Sequential", "modules": [{"type": "Linear", "args": [16, 32]}, {"type": "ReLU"},'
            ' {"type": "Linear", "args": [32, 4]}]}\n')

# many.csv: 25 classes (the command line's confusion matrix grows with the class count)
with open(os.path.join(out, "many.csv"), "w") as f:
    for k in range(250):
        c = k % 25
        f.write(",".join("%g" % (1.0 if i == c else 0.0) for i in range(25)) + ",%d\n" % c)
with open(os.path.join(out, "many_mlp.json"), "w") as f:
    f.write('{"type": "Sequential", "modules": [{"type": "Linear", "args": [25, 25]}]}\n')

# folder/<class>/: 8x8 grayscale PNGs; class c is a bright band at rows 2c, 2c+1
for c, name in enumerate(("ants", "bees", "cats")):
    os.makedirs(os.path.join(out, "folder", name), exist_ok=True)
    for k in range(20):
        px = bytes(220 if y // 2 == c else (k * 11 + x * 5 + y * 3) % 60 for y in range(8) for x in range(8))
        png(os.path.join(out, "folder", name, "%02d.png" % k), px, 8, 8)
with open(os.path.join(out, "img_mlp.json"), "w") as f:
    f.write('{"type": "Sequential", "modules": [{"type": "Flatten"}, {"type": "Linear", "args": [64, 32]},'
            ' {"type": "ReLU"}, {"type": "Linear", "args": [32, 3]}]}\n')
