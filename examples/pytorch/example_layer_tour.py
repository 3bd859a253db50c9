# Seed 000's tour of torch.nn layers (the non-recurrent ones, Unfold/Fold included; the recurrent and
# attention layers and the losses come later): each snippet's printed results, with
# torch.manual_seed(0) at the start so the random values are reproducible, and each layer
# printed as print(layer) prints it. examples/example_layer_tour.c prints the same.
import torch
import torch.nn as nn

torch.manual_seed(0)


class MyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


model = MyModel()
print(model)
x = torch.randn(3, 4)
print(model(x).shape)  # torch.Size([3, 2])

fc = nn.Linear(in_features=8, out_features=4)
x = torch.randn(2, 8)
print(fc(x).shape)  # torch.Size([2, 4])
print(fc.weight.shape)  # torch.Size([4, 8])
print(fc.bias.shape)  # torch.Size([4])

emb = nn.Embedding(num_embeddings=10, embedding_dim=4)
print(emb)
ids = torch.tensor([0, 3, 7, 3])
print(emb(ids))
print(emb(ids).shape)  # torch.Size([4, 4])
print(emb.weight.shape)  # torch.Size([10, 4])

layer = nn.Identity()
x = torch.randn(3, 5)
print(x)
print(layer(x))
print(torch.equal(layer(x), x))  # True

conv1d = nn.Conv1d(in_channels=16, out_channels=32, kernel_size=3, padding=1)
print(conv1d)
x = torch.randn(2, 16, 50)
print(conv1d(x).shape)  # torch.Size([2, 32, 50])
conv2d = nn.Conv2d(in_channels=3, out_channels=64, kernel_size=3, padding=1)
print(conv2d)
x = torch.randn(2, 3, 32, 32)
print(conv2d(x).shape)  # torch.Size([2, 64, 32, 32])
conv3d = nn.Conv3d(in_channels=1, out_channels=8, kernel_size=3, padding=1)
print(conv3d)
x = torch.randn(1, 1, 8, 16, 16)
print(conv3d(x).shape)  # torch.Size([1, 8, 8, 16, 16])

up = nn.ConvTranspose2d(in_channels=64, out_channels=32, kernel_size=2, stride=2)
print(up)
x = torch.randn(2, 64, 16, 16)
print(up(x).shape)  # torch.Size([2, 32, 32, 32])

bn1d = nn.BatchNorm1d(num_features=16)
x = torch.randn(8, 16)
print(bn1d(x).shape)  # torch.Size([8, 16])
bn2d = nn.BatchNorm2d(num_features=64)
x = torch.randn(4, 64, 8, 8)
print(bn2d(x).shape)  # torch.Size([4, 64, 8, 8])
bn3d = nn.BatchNorm3d(num_features=8)
print(bn3d)
x = torch.randn(2, 8, 4, 4, 4)
print(bn3d(x).shape)  # torch.Size([2, 8, 4, 4, 4])

gn = nn.GroupNorm(num_groups=4, num_channels=16)
print(gn)
x = torch.randn(2, 16, 8, 8)
print(gn(x).shape)  # torch.Size([2, 16, 8, 8])
ln = nn.LayerNorm(normalized_shape=16)
print(ln)
x = torch.randn(4, 10, 16)
print(ln(x).shape)  # torch.Size([4, 10, 16])

sync_bn = nn.SyncBatchNorm(num_features=16)
print(sync_bn)
x = torch.randn(4, 16)
# PyTorch 1.13 refuses CPU input here ("SyncBatchNorm expected input tensor to be on GPU");
# in one process it is BatchNorm1d, which is what ctorch's SyncBatchNorm computes.
print(nn.functional.batch_norm(x, sync_bn.running_mean, sync_bn.running_var, sync_bn.weight,
                               sync_bn.bias, True).shape)  # torch.Size([4, 16])
lrn = nn.LocalResponseNorm(size=5)
print(lrn)
x = torch.randn(2, 16, 8, 8)
print(lrn(x).shape)  # torch.Size([2, 16, 8, 8])

relu = nn.ReLU()
x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 2.0])
print(relu(x))  # tensor([0., 0., 0., 1., 2.])
sigmoid = nn.Sigmoid()
print(sigmoid(x))  # tensor([0.1192, 0.2689, 0.5000, 0.7311, 0.8808])
tanh = nn.Tanh()
print(tanh(x))  # tensor([-0.9640, -0.7616, 0.0000, 0.7616, 0.9640])

maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
print(maxpool)
x = torch.randn(2, 64, 32, 32)
print(maxpool(x).shape)  # torch.Size([2, 64, 16, 16])
avgpool = nn.AvgPool2d(kernel_size=2, stride=2)
print(avgpool)
print(avgpool(x).shape)  # torch.Size([2, 64, 16, 16])
ada_max = nn.AdaptiveMaxPool2d(output_size=(4, 4))
print(ada_max)
x = torch.randn(2, 64, 13, 13)
print(ada_max(x).shape)  # torch.Size([2, 64, 4, 4])
ada_avg = nn.AdaptiveAvgPool2d(output_size=(1, 1))
print(ada_avg)
print(ada_avg(x).shape)  # torch.Size([2, 64, 1, 1])

dropout = nn.Dropout(p=0.5)
print(dropout)
x = torch.ones(2, 10)
print(dropout(x))  # about half the elements zeroed, the rest scaled by 2
dropout2d = nn.Dropout2d(p=0.3)
x = torch.ones(2, 8, 4, 4)
print((dropout2d(x) == 0).any())  # tensor(True)
dropout3d = nn.Dropout3d(p=0.3)
x = torch.ones(2, 8, 4, 4, 4)
print(dropout3d(x).shape)  # torch.Size([2, 8, 4, 4, 4])


class CustomLayer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim))

    def forward(self, x):
        return x * self.weight


layer = CustomLayer(4)
print(list(layer.parameters()))  # [Parameter containing: tensor([...], requires_grad=True)]


class MultiHeadWeights(nn.Module):
    def __init__(self, n_heads, dim):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(dim, dim)) for _ in range(n_heads)])


m = MultiHeadWeights(4, 8)
print(m)
print(len(list(m.parameters())))  # 4


class GatedLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.params = nn.ParameterDict({"gate": nn.Parameter(torch.randn(8)), "bias": nn.Parameter(torch.zeros(8))})


g = GatedLayer()
print(g)
print(g.params["gate"].shape)  # torch.Size([8])

# nn.Unfold: sliding 3x3 windows as columns (im2col); nn.Fold: the inverse, summing the overlaps
unfold = nn.Unfold(kernel_size=3, stride=1, padding=1)
x = torch.randn(1, 3, 8, 8)
out = unfold(x)
print(unfold)
print(out.shape)  # torch.Size([1, 27, 64])
fold = nn.Fold(output_size=(8, 8), kernel_size=3, stride=1, padding=1)
restored = fold(out)
print(fold)
print(restored.shape)  # torch.Size([1, 3, 8, 8])
print(restored[0, 0, 0, :4])
# each pixel comes back times the number of windows covering it
print(torch.allclose(restored, x * fold(unfold(torch.ones_like(x)))))

model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
print(model)
x = torch.randn(4, 16)
print(model(x).shape)  # torch.Size([4, 10])

layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(4)])
print(layers)
x = torch.randn(2, 8)
for layer in layers:
    x = layer(x)
print(x.shape)  # torch.Size([2, 8])
experts = nn.ModuleDict({"expert_a": nn.Linear(8, 4), "expert_b": nn.Linear(8, 4)})
print(experts)
x = torch.randn(2, 8)
print(experts["expert_a"](x).shape)  # torch.Size([2, 4])
