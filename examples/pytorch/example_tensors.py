# Seed 004, section 2.1: tensors (dtypes, broadcasting, view vs clone, contiguous, NumPy).
import os
import tempfile

import numpy as np
import torch

torch.manual_seed(0)
# 2.1.1 tensors with different properties (device='cuda' left out: CPU only)
scalar = torch.tensor(3.14)
vector = torch.tensor([1, 2, 3], dtype=torch.float64)
matrix = torch.randn(3, 3)
print(scalar)
print(scalar.dim(), scalar.dtype)
print(vector)
print(vector.dim(), vector.dtype)
print(matrix)
print(matrix.dim(), matrix.dtype)
print(torch.tensor([1, 2, 3], dtype=torch.int32).dtype, torch.tensor([True, False]).dtype)

# 2.1.2 vectorised ops instead of a Python loop
a = torch.arange(1000, dtype=torch.float32)
b = torch.ones(1000)
result = a + b
print(result[:5])
# broadcasting: a scalar, then compatible shapes
a = torch.ones(3, 3)
b = 1.0
c = a + b
print(c)
x = torch.ones(5, 3, 4)
y = torch.ones(3, 1)
z = x + y
print(z.shape)
# view shares memory, clone copies
a = torch.randn(3, 3)
b = a.view(9)
c = a.clone()
a[0, 0] = 10
print(b[0])
print(c[0, 0])
# view() needs a contiguous tensor
t = a.t()
print(t.is_contiguous())
try:
    t.view(9)
except RuntimeError as e:
    print(e)
print(t.contiguous().view(9).shape)

# 2.1.3 NumPy interop: from_numpy shares the array's memory; .npy files go both ways
np_array = np.arange(9, dtype=np.float64).reshape(3, 3)
torch_tensor = torch.from_numpy(np_array)
np_array[0, 0] = 100
print(torch_tensor)
torch_tensor = torch.randn(3, 3)
path = os.path.join(tempfile.gettempdir(), "ctorch_example_tensors.npy")
np.save(path, torch_tensor.numpy())
back = torch.from_numpy(np.load(path))
os.remove(path)
print(back.dtype, torch.equal(back, torch_tensor))
