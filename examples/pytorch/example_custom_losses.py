# Seed 004, sections 5.1.2 and 5.1.3: user-defined losses. FocalLoss and MultiTaskLoss as the
# seed writes them; the seed prints nothing for them, so this twin runs them on seeded data
# (and MultiTaskLoss's learnable log-variances through a few Adam steps) and prints the
# values examples/example_custom_losses.c must reproduce.
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, alpha=0.25, gamma=2.0, reduction='mean'):
        super().__init__()
        self.alpha = alpha
        self.gamma = gamma
        self.reduction = reduction

    def forward(self, inputs, targets):
        ce_loss = F.cross_entropy(inputs, targets, reduction='none')
        pt = torch.exp(-ce_loss)
        focal_loss = self.alpha * (1 - pt) ** self.gamma * ce_loss
        if self.reduction == 'mean':
            return focal_loss.mean()
        elif self.reduction == 'sum':
            return focal_loss.sum()
        else:
            return focal_loss


class MultiTaskLoss(nn.Module):
    def __init__(self, task_num):
        super().__init__()
        self.log_vars = nn.Parameter(torch.zeros(task_num))

    def forward(self, *losses):
        total_loss = 0
        for i, loss in enumerate(losses):
            precision = torch.exp(-self.log_vars[i])
            total_loss += precision * loss + self.log_vars[i]
        return total_loss


torch.manual_seed(0)
logits = torch.randn(8, 5, requires_grad=True)
targets = torch.randint(0, 5, (8,))
criterion = FocalLoss()
print(criterion)
for reduction in ('mean', 'sum', 'none'):
    print(reduction, FocalLoss(reduction=reduction)(logits, targets))
loss = criterion(logits, targets)
loss.backward()
print(logits.grad)
# gamma = 0, alpha = 1: plain cross entropy
print(torch.allclose(FocalLoss(alpha=1.0, gamma=0.0)(logits, targets),
                     F.cross_entropy(logits, targets)))
# the easy examples weigh less: focal / cross entropy per sample
ratio = FocalLoss(reduction='none')(logits, targets) / F.cross_entropy(logits, targets, reduction='none')
print(ratio.detach())

# three tasks on one input: regression (MSE), 3 classes (CE), binary (BCEWithLogits)
x = torch.randn(16, 4)
y_reg = torch.randn(16, 1)
y_cls = torch.randint(0, 3, (16,))
y_bin = torch.randint(0, 2, (16, 1)).float()
heads = nn.ModuleList([nn.Linear(4, 1), nn.Linear(4, 3), nn.Linear(4, 1)])
mtl = MultiTaskLoss(3)
print(mtl)
params = list(heads.parameters()) + list(mtl.parameters())
optimizer = torch.optim.Adam(params, lr=0.05)
for step in range(5):
    optimizer.zero_grad()
    losses = (F.mse_loss(heads[0](x), y_reg), F.cross_entropy(heads[1](x), y_cls),
              F.binary_cross_entropy_with_logits(heads[2](x), y_bin))
    total = mtl(*losses)
    total.backward()
    if step == 0:
        print(total)
        print(mtl.log_vars.grad)  # 1 - loss_i at log_vars = 0
    optimizer.step()
    print("step %d: total %.4f, losses %s, log_vars %s" % (
        step, total.item(), ", ".join("%.4f" % l.item() for l in losses),
        ", ".join("%.4f" % v for v in mtl.log_vars.tolist())))
