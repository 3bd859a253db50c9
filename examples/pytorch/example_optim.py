# Seed 003 (torch.optim.SGD / torch.optim.Adam training loops) and seed 004 section 5.2
# (per-layer learning rates with param groups, gradient clipping, AdamW weight decay) as the
# seeds write them; the seeds draw unseeded inputs, so each part seeds torch first and
# examples/example_optim.c prints the same lines. The seed prints loss.item() in full; float32
# sums taken in another order (ctorch's matmul and mean) differ in the last bit, so both print
# the loss to 4 decimals.
import torch
import torch.nn as nn
import torch.optim as optim


def train(model, optimizer):  # seed 003's loop, verbatim
    for epoch in range(10):
        loss_fn = nn.MSELoss()
        input = torch.randn(5, 10)
        target = torch.randn(5, 2)
        output = model(input)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"Epoch {epoch+1}, Loss: {loss.item():.4f}")


# ---- seed 003: SGD ----
print("SGD")
torch.manual_seed(0)
model = nn.Linear(10, 2)
optimizer = optim.SGD(model.parameters(), lr=0.01)
train(model, optimizer)

# ---- seed 003: Adam ----
print("Adam")
torch.manual_seed(0)
model = nn.Linear(10, 2)
optimizer = optim.Adam(model.parameters(), lr=0.001)
train(model, optimizer)


# ---- seed 004, 5.2.2: per-layer learning rates ----
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(10, 8), nn.ReLU())
        self.classifier = nn.Linear(8, 2)

    def forward(self, x):
        return self.classifier(self.features(x))


print("param groups")
torch.manual_seed(0)
model = Net()
param_groups = [
    {'params': model.features.parameters(), 'lr': 0.001},
    {'params': model.classifier.parameters(), 'lr': 0.01}
]
optimizer = torch.optim.Adam(param_groups)
print([g['lr'] for g in optimizer.param_groups])
train(model, optimizer)

# ---- seed 004, 5.2.3: gradient clipping ----
print("clip_grad_norm_")
torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(3):
    loss = (model(torch.randn(5, 10)) * 10).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    print(f"step {step+1}, loss {loss.item():.4f}, grad norm before clipping {total_norm.item():.4f}")
print(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0))

# ---- seed 004, 5.2.3: AdamW weight decay ----
print("AdamW")
torch.manual_seed(0)
model = Net()
optimizer = torch.optim.AdamW(model.parameters(), lr=0.001, weight_decay=0.01)
train(model, optimizer)
print(optimizer.param_groups[0]['weight_decay'])
print(model.classifier.bias)
