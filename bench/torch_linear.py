# PyTorch side of bench/linear.c: Linear + ReLU forward (+ backward), torch_ref.py's mlp784 and
# tiny-mlp16 steps without the optimizer step, 2 threads.
import time, torch, torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(2)
torch.manual_seed(0)
def t(f, n, warm=5):
    for _ in range(warm): f()
    s = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - s) / n * 1e3
x = torch.randn(64, 784, requires_grad=True); go = torch.randn(64, 512)
fc = nn.Linear(784, 512)
def fwd():
    with torch.no_grad(): F.relu(F.linear(x, fc.weight, fc.bias))
def fwd_bwd():
    fc.zero_grad(); x.grad = None
    F.relu(F.linear(x, fc.weight, fc.bias)).backward(go)
print(f"{'linear+relu 64x784->512 fwd':<34} {t(fwd, 200):9.3f} ms")
print(f"{'linear+relu 64x784->512 fwd+bwd':<34} {t(fwd_bwd, 100):9.3f} ms")
def loss(y, onehot):  # bench/linear.c's cross entropy, the same ops
    return -(F.log_softmax(y, 1) * onehot).sum() / y.shape[0]
def targets(batch, classes):
    t = torch.zeros(batch, classes)
    for i in range(batch): t[i, (i * 7) % classes] = 1
    return t
def stepper(m, x, y):
    def step():
        m.zero_grad(set_to_none=False); loss(m(x), y).backward()
    return step
mlp = nn.Sequential(nn.Linear(784,512), nn.ReLU(), nn.Linear(512,256), nn.ReLU(), nn.Linear(256,128), nn.ReLU(), nn.Linear(128,10))
print(f"{'mlp784 b64 fwd+bwd':<34} {t(stepper(mlp, torch.randn(64, 784), targets(64, 10)), 100):9.3f} ms")
tiny = nn.Sequential(nn.Linear(16,64), nn.ReLU(), nn.Linear(64,10))
print(f"{'tiny-mlp16 b4 fwd+bwd':<34} {t(stepper(tiny, torch.randn(4, 16), targets(4, 10)), 2000, 50):9.3f} ms")
