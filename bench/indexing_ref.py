# PyTorch side of bench/indexing.c: x[idx], index_put accumulate, x[x > 0], histogram; same
# workloads and line names. usage: indexing_ref.py [threads] (default 2)
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
def t(f, n):
    for _ in range(2): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
g = torch.Generator().manual_seed(0)
x = torch.randn(100000, 64, generator=g)
v = torch.randn(100000, 64, generator=g)
idx = torch.randint(0, 100000, (100000,), generator=g)
mask = x > 0
h = torch.randn(1 << 20, generator=g)
print(f"{'x[idx] (1e5 rows of 64)':<34} {t(lambda: x[idx], 20):9.3f} ms")
print(f"{'index_put accumulate':<34} {t(lambda: x.index_put((idx,), v, accumulate=True), 10):9.3f} ms")
print(f"{'x[x > 0]':<34} {t(lambda: x[mask], 10):9.3f} ms")
print(f"{'histogram 1M, 100 bins':<34} {t(lambda: torch.histogram(h, 100), 10):9.3f} ms")
