# Seed 004, section 4.1: autograd (backward, no_grad, detach, retain_grad, higher order).
import torch

# 4.1.1 y = w * x + b
x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
y = w * x + b
y.backward()
print(f"∂y/∂x = {x.grad}")  # 3.0
print(f"∂y/∂w = {w.grad}")  # 2.0
print(f"∂y/∂b = {b.grad}")  # 1.0
print(y)

# 4.1.2 gradients accumulate until zeroed (optimizer.zero_grad() sets .grad to None)
y = w * x + b
y.backward()
print(f"accumulated ∂y/∂x = {x.grad}")
x.grad = None
print(f"after zero_grad: {x.grad}")

# torch.no_grad(): nothing is recorded
with torch.no_grad():
    y = w * x + b
print(y.requires_grad, y.grad_fn)

# detach(): same values and memory, no history
y = w * x + b
z = y.detach()
print(z)
print(z.requires_grad)

# retain_grad(): keep .grad of a non-leaf
y = w * x + b
y.retain_grad()
loss = y * y
loss.backward()
print(f"y.grad = {y.grad}")

# 4.1.3 higher-order derivatives with create_graph=True
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
dy_dx = torch.autograd.grad(y, x, create_graph=True)[0]
d2y_dx2 = torch.autograd.grad(dy_dx, x)[0]
print(f"一阶导数: {dy_dx.item()}")  # 12.0
print(f"二阶导数: {d2y_dx2.item()}")  # 12.0
