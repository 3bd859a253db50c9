# Seed 004's optimizer-configuration snippets: per-layer learning rates with Adam, the warmup
# LambdaLR, StepLR, MultiStepLR, CosineAnnealingLR, ReduceLROnPlateau, and warmup then cosine
# decay with SequentialLR; each prints its learning rates along the run.
import warnings

import torch

warnings.simplefilter("ignore")  # "lr_scheduler.step() before optimizer.step()": no training here


def make_optimizer():
    features = [torch.zeros(3, requires_grad=True)]
    classifier = [torch.zeros(2, requires_grad=True)]
    param_groups = [
        {'params': features, 'lr': 0.001},
        {'params': classifier, 'lr': 0.01}
    ]
    return torch.optim.Adam(param_groups)


def warmup_scheduler(optimizer, warmup_steps):
    def lr_lambda(step):
        if step < warmup_steps:
            return float(step) / float(max(1, warmup_steps))
        return 1.0
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


def run(title, optimizer, scheduler, epochs, every, metric=None):
    print(title)
    for epoch in range(epochs):
        # train(...); optimizer.step() per batch
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric(epoch))
        if epoch % every == every - 1:
            print(f"  epoch {epoch + 1}: {[g['lr'] for g in optimizer.param_groups]}")


optimizer = make_optimizer()
run("warmup LambdaLR", optimizer, warmup_scheduler(optimizer, 5), 7, 1)
optimizer = make_optimizer()
run("StepLR(step_size=30, gamma=0.1)", optimizer,
    torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1), 100, 10)
optimizer = make_optimizer()
run("MultiStepLR(milestones=[30, 80], gamma=0.1)", optimizer,
    torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1), 100, 10)
optimizer = make_optimizer()
run("CosineAnnealingLR(T_max=100)", optimizer,
    torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100), 100, 10)
optimizer = make_optimizer()
run("ReduceLROnPlateau(mode='min', factor=0.5)", optimizer,
    torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.5), 60, 5,
    metric=lambda epoch: max(1.0 - 0.05 * epoch, 0.3))
optimizer = make_optimizer()
warmup = warmup_scheduler(optimizer, 5)
decay = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
run("SequentialLR(warmup, cosine, milestones=[5])", optimizer,
    torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, decay], milestones=[5]), 25, 1)
