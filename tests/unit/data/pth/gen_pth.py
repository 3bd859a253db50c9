"""Fixtures for test_pth.c, written by PyTorch 1.13 itself (run with /usr/bin/python3):
state_dicts, a checkpoint, shared storages, every dtype, a legacy-format file, and hostile
pickles. Values are small integers / halves so they compare exactly in C."""
import io, os, pickle, struct, zipfile
import torch

torch.manual_seed(0)
here = os.path.dirname(os.path.abspath(__file__))

def out(name):
    return os.path.join(here, name)

def ramp(*shape, dtype=torch.float32):
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n) * 7 % 11 - 5).to(torch.float64) * 0.25).to(dtype).reshape(shape)

# 1. A Linear / Conv model's state_dict (values set to ramps so C can recompute them).
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.bn = torch.nn.BatchNorm2d(2)
        self.fc = torch.nn.Linear(8, 3)
net = Net()
with torch.no_grad():
    for i, (k, v) in enumerate(net.state_dict().items()):
        if v.dtype.is_floating_point:
            v.copy_(ramp(*v.shape) + i)
        else:
            v.fill_(7)
torch.save(net.state_dict(), out("net_sd.pth"))

# 2. A checkpoint with an optimizer state, an epoch and a loss.
model = torch.nn.Linear(3, 2)
with torch.no_grad():
    model.weight.copy_(ramp(2, 3))
    model.bias.copy_(ramp(2) + 1)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
model(ramp(4, 3)).sum().backward()
opt.step()
torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 3,
            'loss': 0.12, 'name': 'run1', 'flags': [True, False, None], 'pair': (1, -2.5),
            'big': 2**40}, out("checkpoint.pth"))

# 3. Shared storages: a view of a base, a strided slice, and tied weights.
base = ramp(4, 5)
tied = torch.nn.Linear(5, 4, bias=False)
with torch.no_grad():
    tied.weight.copy_(ramp(4, 5) * 2)
shared = {'base': base, 'row': base[1], 'col': base[:, 2], 't': base.t(),
          'tied_a': tied.weight.detach(), 'tied_b': tied.weight.detach()}
torch.save(shared, out("shared.pth"))

# 4. Every dtype ctorch has, plus float16 (which it has not).
dts = {'f32': torch.float32, 'f64': torch.float64, 'i64': torch.int64, 'i32': torch.int32,
       'i16': torch.int16, 'i8': torch.int8, 'u8': torch.uint8, 'bool': torch.bool}
every = {}
for k, dt in dts.items():
    every[k] = (ramp(2, 3) * 4).to(dt) if dt != torch.bool else ramp(2, 3) > 0
every['scalar'] = torch.tensor(2.5, dtype=torch.float64)
every['empty'] = torch.zeros(0, 3)
torch.save(every, out("dtypes.pth"))
torch.save({'w': ramp(2, 2), 'half_w': ramp(2, 2).half()}, out("half.pth"))

# 5. The legacy (non-zip) format.
torch.save({'w': ramp(2, 3), 'b': ramp(3).double()}, out("legacy.pth"),
           _use_new_zipfile_serialization=False)

# 6. Hostile: a pickle calling os.system inside a valid torch zip.
class Evil:
    def __reduce__(self):
        return (os.system, ('echo pwned > /tmp/ctorch_pwned',))
torch.save({'w': ramp(2), 'x': Evil()}, out("evil.pth"))

# Truncated: the first 200 bytes of net_sd.pth.
with open(out("net_sd.pth"), "rb") as f:
    data = f.read()
with open(out("truncated.pth"), "wb") as f:
    f.write(data[:200])

# A valid zip whose tensor claims more elements than its storage holds.
def rezip(src, dst, edit):
    zin = zipfile.ZipFile(src)
    zout = zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED)
    for it in zin.infolist():
        zout.writestr(it.filename, edit(it.filename, zin.read(it.filename)))
    zout.close()

small = {'w': ramp(2, 3)}
torch.save(small, out("small.pth"))
# rebuild args: (storage, offset, size, stride, ...): shift the offset to 5 (numel 6 needs 11)
def bad_offset(name, b):
    if name.endswith("data.pkl"):
        i = b.index(b"K\x00")  # BININT1 0: the storage offset
        return b[:i] + b"K\x05" + b[i + 2:]
    return b
rezip(out("small.pth"), out("bad_offset.pth"), bad_offset)
