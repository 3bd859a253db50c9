# PyTorch side of bench/stats.c: unique, searchsorted (1M elements), median along a dim of
# 1024x1024; same workloads and line names. usage: stats_ref.py [threads] (default 2)
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
def t(f, n):
    for _ in range(2): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
n = 1 << 20
g = torch.Generator().manual_seed(0)
xi = torch.randint(0, 100000, (n,), generator=g)
xf = torch.randn(n, generator=g)
q = torch.randn(n, generator=g)
bd = torch.sort(xf).values
m = torch.randn(1024, 1024, generator=g)
print(f"{'unique i64 1M':<34} {t(lambda: torch.unique(xi), 10):9.3f} ms")
print(f"{'unique i64 1M inv+counts':<34} {t(lambda: torch.unique(xi, return_inverse=True, return_counts=True), 10):9.3f} ms")
print(f"{'unique f32 1M':<34} {t(lambda: torch.unique(xf), 10):9.3f} ms")
print(f"{'searchsorted f32 1M in 1M':<34} {t(lambda: torch.searchsorted(bd, q), 10):9.3f} ms")
print(f"{'median f32 1024x1024 dim1':<34} {t(lambda: torch.median(m, dim=1), 10):9.3f} ms")
