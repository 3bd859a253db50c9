# PyTorch side of bench/linalg.c: linalg.solve, svd and svdvals at 256x256, float32, 2 threads.
import time, torch
torch.set_num_threads(2)
def t(f, n):
    for _ in range(3): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
A = torch.randn(256, 256) + 16 * torch.eye(256); B = torch.randn(256, 256)
print(f"{'linalg.solve 256x256 @ 256x256':<34} {t(lambda: torch.linalg.solve(A, B), 20):9.3f} ms")
print(f"{'linalg.svd 256x256':<34} {t(lambda: torch.linalg.svd(A), 20):9.3f} ms")
print(f"{'linalg.svdvals 256x256':<34} {t(lambda: torch.linalg.svdvals(A), 20):9.3f} ms")
