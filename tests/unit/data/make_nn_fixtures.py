#!/usr/bin/python3
"""Writes the fixture test_nn_module.c compares ct_module_save with: the state_dict of
torch.manual_seed(0); nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
saved as safetensors.torch.save_file(model.state_dict(), path) writes it (the safetensors
package is not installed here: make_io_fixtures.st_serialize follows the crate's layout).

    /usr/bin/python3 tests/unit/data/make_nn_fixtures.py      (from the repo root)
"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_io_fixtures import st_serialize  # noqa: E402

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
with open(os.path.join(HERE, "nn_sequential.safetensors"), "wb") as f:
    f.write(st_serialize({k: v.contiguous() for k, v in model.state_dict().items()}))
print(model)
