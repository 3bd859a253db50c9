"""Parity specs of the remaining Lazy layers (src/nn/conv.c, src/nn/norm.c, src/nn/lazy.c):
LazyConvTranspose1d/2d/3d and LazyBatchNorm1d/2d/3d / LazyInstanceNorm1d/2d/3d. No state is
loaded (uninitialized until the forward): each case checks that the first forward infers the
size, initialises the parameters (draw for draw for the convolutions, the fills for the norms)
in the dtype the module was moved to, updates the running stats, and gives PyTorch's outputs and
gradients in train and eval mode, with the option variants."""
from gen import module

# ---- LazyConvTranspose1d/2d/3d: in_channels from size(1) (size(0) unbatched) ------------------
module("basic", "LazyConvTranspose1d", [3, 2], {}, [(2, 4, 5)])
module("unbatched_opts", "LazyConvTranspose1d", [4, 3],
       {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "bias": False}, [(2, 6)])
# (no output_size case: PyTorch 1.13 passes a positional output_size to initialize_parameters,
# a TypeError; by keyword it works, tests/unit/test_nn_lazy.c checks that)
module("stride", "LazyConvTranspose2d", [4, 3], {"stride": 2}, [(1, 2, 3, 3)])
module("groups_dilation", "LazyConvTranspose2d", [4, (2, 3)],
       {"groups": 2, "dilation": (2, 1), "padding": (1, 0)}, [(2, 4, 3, 4)])
module("eval", "LazyConvTranspose3d", [2, 2], {"stride": (1, 2, 1)}, [(1, 2, 2, 3, 2)],
       training=False)
module("unbatched", "LazyConvTranspose3d", [3, (1, 2, 2)], {"output_padding": (0, 1, 0), "stride": 2},
       [(2, 2, 2, 2)])

# ---- LazyBatchNorm1d/2d/3d: num_features = size(1); running stats and num_batches_tracked after --
module("basic", "LazyBatchNorm1d", [], {}, [(4, 3)])
module("3d_cumulative", "LazyBatchNorm1d", [], {"momentum": None}, [(2, 3, 5)])
module("eval_fresh_stats", "LazyBatchNorm1d", [], {}, [(4, 3)], training=False)
module("no_affine", "LazyBatchNorm1d", [], {"affine": False, "eps": 1e-3}, [(5, 2)])
module("basic", "LazyBatchNorm2d", [], {}, [(2, 3, 4, 4)])
module("no_stats_eval", "LazyBatchNorm2d", [], {"track_running_stats": False}, [(3, 2, 2, 2)],
       training=False)
module("neither", "LazyBatchNorm2d", [], {"affine": False, "track_running_stats": False},
       [(2, 2, 3, 3)])
module("momentum", "LazyBatchNorm3d", [], {"eps": 1e-3, "momentum": 0.3}, [(2, 2, 2, 3, 2)])

# ---- LazyInstanceNorm1d/2d/3d: PyTorch 1.13's defaults affine=True, track_running_stats=True ----
module("default", "LazyInstanceNorm1d", [], {}, [(2, 3, 5)])
module("unbatched_plain", "LazyInstanceNorm1d", [], {"affine": False, "track_running_stats": False},
       [(3, 5)])
module("eval_default", "LazyInstanceNorm2d", [], {}, [(2, 3, 4, 4)], training=False)
module("affine_only", "LazyInstanceNorm2d", [], {"track_running_stats": False, "momentum": 0.2},
       [(2, 2, 3, 3)])
module("stats_only", "LazyInstanceNorm3d", [], {"affine": False}, [(2, 2, 3, 3, 2)])
