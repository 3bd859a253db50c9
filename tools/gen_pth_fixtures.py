"""Fixtures for tests/unit/test_pth_fixtures.c, written by PyTorch 1.13 itself into
tests/fixtures/pth/ (run: /usr/bin/python3 tools/gen_pth_fixtures.py):

  * the state_dicts of the seeds' models at small widths (MLP, BatchNorm MLP, BasicCNN,
    ResNet-18 with torchvision's key names at widths 2-4-8-16 instead of 64-128-256-512, so
    the file is 60 KB rather than 45 MB; its keys, shapes and layout are those of the full
    net), an LSTM, a checkpoint with an SGD optimizer state and an epoch;
  * the legacy format (_use_new_zipfile_serialization=False): a module state_dict, views and
    tied weights, every dtype, a checkpoint;
  * hostile archives: entry sizes that lie, a path with '..', a pickle calling builtins.eval.

Every float tensor of a model is ramp(shape) + k (k its position in the state_dict), every
integer one 7, so the C side recomputes it. MANIFEST lists, per file and tensor in PyTorch's
order: `file key dtype ndim shape... r K` (ramp + K) or `... v N values...` (explicit values,
for views). Values are multiples of 1/4, exact in every float dtype."""
import os, struct, zipfile
import torch
import torch.nn as nn

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "pth")
os.makedirs(here, exist_ok=True)
manifest = []


def out(name):
    return os.path.join(here, name)


def ramp(*shape, dtype=torch.float32):
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n) * 7 % 11 - 5).to(torch.float64) * 0.25).to(dtype).reshape(shape)


DT = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64",
      torch.int32: "int32", torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8",
      torch.bool: "bool"}


def record(fname, key, t, how):
    shp = " ".join(str(s) for s in t.shape)
    if how == "v":
        vals = " ".join(repr(float(x)) for x in t.reshape(-1).to(torch.float64).tolist())
        line = f"{fname} {key} {DT[t.dtype]} {t.dim()} {shp} v {t.numel()} {vals}"
    else:
        line = f"{fname} {key} {DT[t.dtype]} {t.dim()} {shp} r {how}"
    manifest.append(" ".join(line.split()))


def fill_model(m):
    with torch.no_grad():
        for k, (name, v) in enumerate(m.state_dict().items()):
            if v.dtype.is_floating_point:
                v.copy_(ramp(*v.shape) + k)
            else:
                v.fill_(7)


def save_sd(fname, m, legacy=False):
    fill_model(m)
    sd = m.state_dict()
    torch.save(sd, out(fname), _use_new_zipfile_serialization=not legacy)
    for k, (name, v) in enumerate(sd.items()):
        record(fname, name, v, "v" if not v.dtype.is_floating_point else str(k))


# ---- the seeds' models ------------------------------------------------------------------------
torch.manual_seed(0)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(),
                    nn.Linear(12, 10))
save_sd("mlp.pth", mlp)
bn_mlp = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.BatchNorm1d(12), nn.ReLU(),
                       nn.Linear(12, 10))
save_sd("bn_mlp.pth", bn_mlp)
cnn = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(4 * 7 * 7, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 10))
save_sd("basic_cnn.pth", cnn)


class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock's names
    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))


class ResNet18(nn.Module):  # torchvision.models.resnet18's layout, widths w, 2w, 4w, 8w
    def __init__(self, w=2, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths, inp = [w, 2 * w, 4 * w, 8 * w], w
        for i, p in enumerate(widths):
            s = 1 if i == 0 else 2
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(inp, p, s), BasicBlock(p, p)))
            inp = p
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8 * w, classes)


save_sd("resnet18_w2.pth", ResNet18())
save_sd("lstm.pth", nn.LSTM(4, 5, num_layers=2))

# A checkpoint: model, SGD (momentum) state after two steps, epoch, loss.
model = nn.Linear(3, 2)
fill_model(model)
opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
for _ in range(2):
    opt.zero_grad()
    model(ramp(4, 3)).sum().backward()
    opt.step()
ck = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7, "loss": 0.25}
torch.save(ck, out("sgd_checkpoint.pth"))
for k, v in model.state_dict().items():
    record("sgd_checkpoint.pth", "model." + k, v, "v")
for i, s in opt.state_dict()["state"].items():
    record("sgd_checkpoint.pth", f"optimizer.state.{i}.momentum_buffer", s["momentum_buffer"], "v")

# ---- the legacy format --------------------------------------------------------------------
save_sd("legacy_bn_mlp.pth", nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)),
        legacy=True)
base = ramp(4, 5)
tied = nn.Linear(5, 4, bias=False)
with torch.no_grad():
    tied.weight.copy_(ramp(4, 5) * 2)
views = {"base": base, "row": base[1], "col": base[:, 2], "t": base.t(),
         "tied_a": tied.weight, "tied_b": tied.weight, "d64": ramp(3).double()}
for name, dt in DT.items():
    views[dt] = (ramp(2, 3) * 4).to(name) if name != torch.bool else ramp(2, 3) > 0
views["scalar"] = torch.tensor(2.5, dtype=torch.float64)
views["empty"] = torch.zeros(0, 3)
torch.save(views, out("legacy_views.pth"), _use_new_zipfile_serialization=False)
for k, v in views.items():
    record("legacy_views.pth", k, v.detach(), "v")
torch.save(ck, out("legacy_checkpoint.pth"), _use_new_zipfile_serialization=False)
for k, v in model.state_dict().items():
    record("legacy_checkpoint.pth", "model." + k, v, "v")
torch.save({"w": ramp(2), "h": ramp(2).half()}, out("legacy_half.pth"),
           _use_new_zipfile_serialization=False)

# ---- hostile archives ---------------------------------------------------------------------
small = out("small_tmp.pth")
torch.save({"w": ramp(2, 3)}, small)
zin = zipfile.ZipFile(small)
entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
zin.close()
os.remove(small)


def write_zip(fname, items, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(out(fname), "w", method) as z:
        for n, b in items:
            z.writestr(n, b)


# entries under "../../" (never extracted, only looked up by name)
write_zip("dotdot.pth", [("../../" + n.split("/", 1)[1], b) for n, b in entries])
# the central directory says data/0 holds 4 more bytes than it does
write_zip("bad_size.pth", entries)
raw = bytearray(open(out("bad_size.pth"), "rb").read())
name = [n for n, _ in entries if n.endswith("data/0")][0].encode()
pos = 0
while True:
    pos = raw.find(b"PK\x01\x02", pos)
    if raw[pos + 46:pos + 46 + len(name)] == name:
        break
    pos += 4
usize = struct.unpack_from("<I", raw, pos + 24)[0]
struct.pack_into("<I", raw, pos + 24, usize + 4)
open(out("bad_size.pth"), "wb").write(bytes(raw))
# a zip bomb: data/0 is 1 MB of zeros deflated to 1 KB, but both its headers say 2 GB, and
# the pickle declares 2**29 float32 elements to match
def set_usize(raw, sig, name_at, usize_at, name, value):
    pos = 0
    while True:
        pos = raw.find(sig, pos)
        if raw[pos + name_at:pos + name_at + len(name)] == name:
            struct.pack_into("<I", raw, pos + usize_at, value)
            return
        pos += 4


torch.save({"w": torch.zeros(256 * 1024)}, small)
zin = zipfile.ZipFile(small)
items = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
zin.close()
os.remove(small)
items = [(n, b.replace(b"J\x00\x00\x04\x00", b"J\x00\x00\x00\x20") if n.endswith(".pkl") else b)
         for n, b in items]
write_zip("bomb.pth", items, zipfile.ZIP_DEFLATED)
raw = bytearray(open(out("bomb.pth"), "rb").read())
dname = [n for n, _ in items if n.endswith("data/0")][0].encode()
set_usize(raw, b"PK\x03\x04", 30, 22, dname, 1 << 31)
set_usize(raw, b"PK\x01\x02", 46, 24, dname, 1 << 31)
open(out("bomb.pth"), "wb").write(bytes(raw))

# a pickle calling builtins.eval, in a legacy-format file
legacy_evil = out("legacy_evil.pth")
with open(legacy_evil, "wb") as f:
    import pickle
    pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)

    class Evil:
        def __reduce__(self):
            return (eval, ("open('/tmp/ctorch_pwned', 'w')",))
    pickle.dump({"x": Evil()}, f, protocol=2)
    pickle.dump([], f, protocol=2)

with open(out("MANIFEST"), "w") as f:
    f.write("\n".join(manifest) + "\n")
