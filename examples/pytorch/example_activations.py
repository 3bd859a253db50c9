# Seed 000: the tensor results of the activation and Identity snippets, as functional ops.
import torch

x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
print(torch.relu(x))  # tensor([0., 0., 0., 1., 2.])
print(torch.sigmoid(x))  # tensor([0.1192, 0.2689, 0.5000, 0.7311, 0.8808])
print(torch.tanh(x))  # tensor([-0.9640, -0.7616, 0.0000, 0.7616, 0.9640])

# nn.Identity returns its input: torch.equal(layer(x), x) is True
torch.manual_seed(0)
x = torch.randn(3, 5)
print(x)
print(torch.equal(x.clone(), x))  # True
