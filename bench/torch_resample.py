# PyTorch side of bench/resample.c: bilinear x2 interpolate and bilinear grid_sample on
# (8, 32, 64, 64) float32, forward (no grad) and forward+backward, 2 threads.
import time, torch
import torch.nn.functional as F
torch.set_num_threads(2)
def t(f, n):
    for _ in range(3): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
x = torch.randn(8, 32, 64, 64, requires_grad=True); gu = torch.randn(8, 32, 128, 128)
def up_fwd():
    with torch.no_grad(): F.interpolate(x, scale_factor=2, mode="bilinear")
def up_bwd():
    F.interpolate(x, scale_factor=2, mode="bilinear").backward(gu); x.grad = None
print(f"{'bilinear x2 8x32x64x64 fwd':<34} {t(up_fwd, 20):9.3f} ms")
print(f"{'bilinear x2 8x32x64x64 fwd+bwd':<34} {t(up_bwd, 10):9.3f} ms")
grid = (torch.tanh(torch.randn(8, 64, 64, 2)) * 1.1).requires_grad_(); gg = torch.randn(8, 32, 64, 64)
def gs_fwd():
    with torch.no_grad(): F.grid_sample(x, grid, align_corners=False)
def gs_bwd():
    F.grid_sample(x, grid, align_corners=False).backward(gg); x.grad = grid.grad = None
print(f"{'grid_sample 8x32x64x64 fwd':<34} {t(gs_fwd, 20):9.3f} ms")
print(f"{'grid_sample 8x32x64x64 fwd+bwd':<34} {t(gs_bwd, 10):9.3f} ms")
