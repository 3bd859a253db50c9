"""PyTorch twin of bench/einsum.c (issue 12's speed line: einsum on a batched attention-shaped
contraction and on a bilinear form). usage: /usr/bin/python3 bench/einsum_ref.py [threads]
Each line: name, ms per run (the same names as the C benchmark)."""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(0)


def bench(name, fn, warm, n):
    for _ in range(warm):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    print("%-34s %9.3f ms" % (name, (time.perf_counter() - t0) / n * 1e3))


q = torch.randn(8, 8, 128, 64, requires_grad=True)
k = torch.randn(8, 8, 128, 64, requires_grad=True)
go = torch.randn(8, 8, 128, 128)
with torch.no_grad():
    bench("attn bhqd,bhkd->bhqk fwd", lambda: torch.einsum("bhqd,bhkd->bhqk", q, k), 3, 50)
bench("attn bhqd,bhkd->bhqk fwd+bwd",
      lambda: torch.autograd.backward(torch.einsum("bhqd,bhkd->bhqk", q, k), go), 3, 30)

x = torch.randn(64, 64, requires_grad=True)
A = torch.randn(32, 64, 64, requires_grad=True)
y = torch.randn(64, 64, requires_grad=True)
gb = torch.randn(64, 32)
with torch.no_grad():
    bench("bilinear bn,anm,bm->ba fwd", lambda: torch.einsum("bn,anm,bm->ba", x, A, y), 5, 200)
bench("bilinear bn,anm,bm->ba fwd+bwd",
      lambda: torch.autograd.backward(torch.einsum("bn,anm,bm->ba", x, A, y), gb), 5, 100)
