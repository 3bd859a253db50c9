# The README's complete program: fit y = 3x + 1 with autograd and plain SGD.
import torch

torch.manual_seed(0)
w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    x = torch.randn(32, 1)
    y = x * 3.0 + 1.0
    pred = x * w + b
    loss = torch.square(pred - y).mean()
    loss.backward()
    with torch.no_grad():
        w -= w.grad * 0.1
        b -= b.grad * 0.1
    w.grad = None
    b.grad = None
    if step % 50 == 0:
        print("step %3d  loss %.6f" % (step, loss.item()))
print(w)
print(b)
