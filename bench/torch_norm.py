# PyTorch side of bench/norm.c: BatchNorm2d, LayerNorm and GroupNorm forward (+ backward), 2 threads.
import time, torch
import torch.nn.functional as F
torch.set_num_threads(2)
def t(f, n):
    for _ in range(3): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
x = torch.randn(32, 64, 32, 32, requires_grad=True); go = torch.randn(32, 64, 32, 32)
w = torch.ones(64, requires_grad=True); b = torch.zeros(64, requires_grad=True)
rm, rv = torch.zeros(64), torch.ones(64)
def bn_fwd():
    with torch.no_grad(): F.batch_norm(x, rm, rv, w, b, training=True)
def bn_bwd():
    F.batch_norm(x, rm, rv, w, b, training=True).backward(go); x.grad = w.grad = b.grad = None
print(f"{'batch_norm2d 32x64x32x32 fwd':<34} {t(bn_fwd, 30):9.3f} ms")
print(f"{'batch_norm2d 32x64x32x32 fwd+bwd':<34} {t(bn_bwd, 20):9.3f} ms")
h = torch.randn(32, 128, 768, requires_grad=True); gh = torch.randn(32, 128, 768)
lw = torch.ones(768, requires_grad=True); lb = torch.zeros(768, requires_grad=True)
def ln_fwd():
    with torch.no_grad(): F.layer_norm(h, (768,), lw, lb)
def ln_bwd():
    F.layer_norm(h, (768,), lw, lb).backward(gh); h.grad = lw.grad = lb.grad = None
print(f"{'layer_norm 32x128x768 fwd':<34} {t(ln_fwd, 30):9.3f} ms")
print(f"{'layer_norm 32x128x768 fwd+bwd':<34} {t(ln_bwd, 20):9.3f} ms")
def gn_fwd():
    with torch.no_grad(): F.group_norm(x, 32, w, b)
def gn_bwd():
    F.group_norm(x, 32, w, b).backward(go); x.grad = w.grad = b.grad = None
print(f"{'group_norm32 32x64x32x32 fwd':<34} {t(gn_fwd, 30):9.3f} ms")
print(f"{'group_norm32 32x64x32x32 fwd+bwd':<34} {t(gn_bwd, 20):9.3f} ms")
