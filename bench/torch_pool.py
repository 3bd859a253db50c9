# PyTorch side of bench/pool.c: pooling forward and forward+backward, 2 threads, ms per call.
import time, torch
import torch.nn.functional as F
torch.set_num_threads(2)
def t(f, n):
    for _ in range(3): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
torch.manual_seed(0)
x = torch.randn(32, 64, 32, 32); xg = x.clone().requires_grad_()
g2 = torch.ones(32, 64, 16, 16); g3 = torch.ones(32, 64, 15, 15); g1 = torch.ones(32, 64, 1, 1)
def fb(f, g):
    def run():
        f(xg).backward(g); xg.grad = None
    return run
with torch.no_grad():
    print(f"{'maxpool2d k2 32x64x32x32 fwd':34s} {t(lambda: F.max_pool2d(x, 2), 50):9.3f} ms")
print(f"{'maxpool2d k2 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.max_pool2d(v, 2), g2), 30):9.3f} ms")
with torch.no_grad():
    print(f"{'maxpool2d k3s2 32x64x32x32 fwd':34s} {t(lambda: F.max_pool2d(x, 3, 2), 50):9.3f} ms")
print(f"{'maxpool2d k3s2 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.max_pool2d(v, 3, 2), g3), 30):9.3f} ms")
print(f"{'maxpool2d k3s2p1 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.max_pool2d(v, 3, 2, 1), g2), 30):9.3f} ms")
with torch.no_grad():
    print(f"{'avgpool2d k2 32x64x32x32 fwd':34s} {t(lambda: F.avg_pool2d(x, 2), 50):9.3f} ms")
print(f"{'avgpool2d k2 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.avg_pool2d(v, 2), g2), 30):9.3f} ms")
print(f"{'avgpool2d k3s2 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.avg_pool2d(v, 3, 2), g3), 30):9.3f} ms")
print(f"{'adaptiveavg 1 32x64x32x32 fwd+bwd':34s} {t(fb(lambda v: F.adaptive_avg_pool2d(v, 1), g1), 30):9.3f} ms")
