# PyTorch side of bench/half.c: a bfloat16 Linear(1024, 1024) forward (+ backward) on a (256, 1024)
# batch. Usage: half_ref.py [threads] (default 1).
import sys, time, torch
import torch.nn.functional as F
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(n)
torch.manual_seed(0)
def t(f, reps, warm=3):
    for _ in range(warm): f()
    s = time.perf_counter()
    for _ in range(reps): f()
    return (time.perf_counter() - s) / reps * 1e3
x = torch.randn(256, 1024).bfloat16().requires_grad_()
w = torch.randn(1024, 1024).bfloat16().requires_grad_()
b = torch.randn(1024).bfloat16().requires_grad_()
go = torch.randn(256, 1024).bfloat16()
def fwd():
    with torch.no_grad(): F.linear(x, w, b)
def fwd_bwd():
    x.grad = w.grad = b.grad = None
    F.linear(x, w, b).backward(go)
print(f"{'bf16 linear 256x1024->1024 fwd %dt' % n:<40} {t(fwd, 30):9.3f} ms")
print(f"{'bf16 linear 256x1024->1024 fwd+bwd %dt' % n:<40} {t(fwd_bwd, 30):9.3f} ms")
