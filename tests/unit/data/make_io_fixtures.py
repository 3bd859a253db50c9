#!/usr/bin/python3
"""Writes the fixtures test_io.c reads: .npy files saved by numpy itself, and safetensors
files written the way huggingface/safetensors writes them (safetensors/src/tensor.rs:
tensors sorted by dtype alignment, descending, then by name; header JSON without spaces,
__metadata__ first, padded with spaces to a multiple of 8), with values made by torch.
The safetensors Python package is not installed here, hence the writer below.

Values follow formulas test_io.c recomputes: element i (row-major) of a float tensor is
i * 0.5 - 1, of a signed int tensor i * 3 - 5, of uint8 i * 37 % 256, of bool i % 3 == 0.

    /usr/bin/python3 tests/unit/data/make_io_fixtures.py      (from the repo root)
    /usr/bin/python3 tests/unit/data/make_io_fixtures.py --check OUTDIR
The second form checks files test_io.c wrote to $CT_IO_OUT_DIR: numpy must load them,
and a tiny independent safetensors reader must read them back.
"""
import json, os, struct, sys
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ST_RANK = {"BOOL": 0, "U8": 1, "I8": 2, "I16": 5, "I32": 9, "F32": 11, "F64": 12, "I64": 13}
ST_OF = {torch.bool: "BOOL", torch.uint8: "U8", torch.int8: "I8", torch.int16: "I16",
         torch.int32: "I32", torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
NP_OF = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "I32": np.int32,
         "F32": np.float32, "F64": np.float64, "I64": np.int64}


def values(dtype, shape):
    n = int(np.prod(shape)) if shape else 1
    i = torch.arange(n, dtype=torch.float64)
    if dtype.is_floating_point:
        t = i * 0.5 - 1
    elif dtype == torch.bool:
        t = torch.remainder(i, 3) == 0
    elif dtype == torch.uint8:
        t = torch.remainder(i * 37, 256)
    else:
        t = i * 3 - 5
    return t.to(dtype).reshape(shape)


def st_serialize(tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-ST_RANK[ST_OF[kv[1].dtype]], kv[0].encode()))
    header, data, off = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        raw = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": ST_OF[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        data += raw
        off += len(raw)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def st_read(buf):
    """A tiny independent reader for --check."""
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode())
    meta = header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        a = np.frombuffer(buf[8 + n + b:8 + n + e], dtype=np.dtype(NP_OF[info["dtype"]]).newbyteorder("<"))
        out[name] = a.reshape(info["shape"])
    return out, meta


MODEL = {  # name: (dtype, shape)
    "weight": (torch.float32, (2, 3)), "bias": (torch.float64, (3,)), "index": (torch.int64, (4,)),
    "i32": (torch.int32, (2, 2)), "i16": (torch.int16, (3,)), "i8": (torch.int8, (4,)),
    "u8": (torch.uint8, (3,)), "mask": (torch.bool, (2, 2)), "scalar": (torch.float32, ()),
    "empty": (torch.float32, (0, 3)), "cube": (torch.float64, (2, 3, 4)),
}


def generate():
    def save(name, a, **kw):
        np.save(os.path.join(HERE, name), a, **kw)

    save("f4_2x3.npy", values(torch.float32, (2, 3)).numpy())
    # numpy writes an F-contiguous array with fortran_order True.
    save("f8_fortran_2x3x4.npy", np.asfortranarray(values(torch.float64, (2, 3, 4)).numpy()))
    save("i8_0d.npy", values(torch.int64, ()).numpy())
    save("i4_5.npy", values(torch.int32, (5,)).numpy())
    save("i2_2x2.npy", values(torch.int16, (2, 2)).numpy())
    save("i1_4.npy", values(torch.int8, (4,)).numpy())
    save("u1_3.npy", values(torch.uint8, (3,)).numpy())
    save("b1_2x2.npy", values(torch.bool, (2, 2)).numpy())
    save("f4_empty_0x3.npy", values(torch.float32, (0, 3)).numpy())
    save("f4_be_2x2.npy", values(torch.float32, (2, 2)).numpy().astype(">f4"))
    for ver, name in (((2, 0), "f8_v2_3.npy"), ((3, 0), "f8_v3_3.npy")):
        with open(os.path.join(HERE, name), "wb") as f:
            np.lib.format.write_array(f, values(torch.float64, (3,)).numpy(), version=ver)
    # A Python 2 era header: long literals with an L suffix, double quotes, no padding rule.
    hdr = b"{\"descr\": \"<i8\", \"fortran_order\": False, \"shape\": (2L, 3L)}\n"
    with open(os.path.join(HERE, "i8_py2_2x3.npy"), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr)
        f.write(values(torch.int64, (2, 3)).numpy().astype("<i8").tobytes())

    model = {k: values(*v) for k, v in MODEL.items()}
    with open(os.path.join(HERE, "model.safetensors"), "wb") as f:
        f.write(st_serialize(model, {"format": "pt"}))
    # Offsets and keys in no particular order (older writers): readers must not care.
    raw = {k: model[k].numpy().tobytes() for k in ("weight", "u8", "index")}
    header, off = {}, 0
    for k in ("u8", "index", "weight"):
        header[k] = {"dtype": ST_OF[model[k].dtype], "shape": list(model[k].shape), "data_offsets": None}
    data = b""
    for k in ("index", "weight", "u8"):
        header[k]["data_offsets"] = [off, off + len(raw[k])]
        data += raw[k]
        off += len(raw[k])
    h = json.dumps(header, indent=1).encode()
    with open(os.path.join(HERE, "unordered.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def check(outdir):
    n = 0
    for name in sorted(os.listdir(outdir)):
        path = os.path.join(outdir, name)
        if name.endswith(".npy"):
            a = np.load(path)
            ref = np.load(os.path.join(HERE, name))
            assert a.dtype == ref.dtype.newbyteorder("<") or a.dtype == ref.dtype, (name, a.dtype)
            assert a.shape == ref.shape and np.array_equal(a, ref), name
            import io
            buf = io.BytesIO()
            np.save(buf, ref.astype(ref.dtype.newbyteorder("<"), order="C"))
            assert open(path, "rb").read() == buf.getvalue(), name + ": not what numpy.save writes"
        elif name.endswith(".safetensors"):
            got, meta = st_read(open(path, "rb").read())
            ref, rmeta = st_read(open(os.path.join(HERE, name), "rb").read())
            assert meta == rmeta and got.keys() == ref.keys(), name
            for k in ref:
                assert got[k].dtype == ref[k].dtype and np.array_equal(got[k], ref[k]), (name, k)
        n += 1
    print(f"{n} files written by ctorch read back correctly")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        generate()
