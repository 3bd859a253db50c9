"""The PyTorch side of bench_pth_load: torch.load of a 100 MB state_dict.
  torch_pth_load.py make PATH         write the state_dict (25 x nn.Linear(1024, 1024): 100.1 MB)
  torch_pth_load.py time PATH [N]     best of N (7) wall times of torch.load(PATH), alone and
                                      followed by a sum of every tensor, with weights_only=False
                                      (1.13's default) and True
Run with /usr/bin/python3 (PyTorch 1.13); one thread, as the C side loads in one."""
import sys, time
import torch

torch.set_num_threads(1)
if sys.argv[1] == "make":
    torch.manual_seed(0)
    layers = torch.nn.Sequential(*[torch.nn.Linear(1024, 1024) for _ in range(25)])
    torch.save(layers.state_dict(), sys.argv[2])
    sys.exit(0)
path, n = sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 7
for wo in (False, True):
    best = best_sum = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        sd = torch.load(path, weights_only=wo)
        t1 = time.perf_counter()
        s = sum(float(v.sum()) for v in sd.values())
        t2 = time.perf_counter()
        best, best_sum = min(best, t1 - t), min(best_sum, t2 - t)
        del sd
    print(f"torch.load(weights_only={wo}) {path}: {best * 1e3:.1f} ms; load + sum of every tensor "
          f"({s:.6g}): {best_sum * 1e3:.1f} ms (best of {n})")
