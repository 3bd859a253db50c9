"""Case specs for attention: F.scaled_dot_product_attention (PyTorch 1.13 lacks it: the cases
are made by PyTorch 2.x's documented math reference, written below with 1.13's ops, when torch
has none), nn.MultiheadAttention (every constructor option, bool and float masks of 2-D and 3-D,
key padding masks, need_weights / average_attn_weights, batched and unbatched) and the
Transformer family (encoder / decoder layers with relu / gelu, norm_first, batch_first, masks,
and a small Transformer). Float32 and float64, gradients of the inputs and every parameter;
dropout > 0 only in eval mode (its masks are checked in tests/unit/test_attention.c)."""
import math

import torch

from gen import T, fn, module

F = torch.nn.functional

F32 = dict(rtol=1e-4, atol=1e-5)


def _sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """PyTorch 2.x's documented equivalent of F.scaled_dot_product_attention."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=query.dtype)
    if is_causal:
        assert attn_mask is None
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias = attn_bias.masked_fill(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias = attn_bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias = attn_bias + attn_mask
    attn_weight = query @ key.transpose(-2, -1) * scale_factor
    attn_weight = attn_weight + attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    attn_weight = torch.dropout(attn_weight, dropout_p, train=True)
    return attn_weight @ value


if not hasattr(F, "scaled_dot_product_attention"):
    F.scaled_dot_product_attention = _sdpa_reference

# ---- F.scaled_dot_product_attention ------------------------------------------------------
SDPA = "F.scaled_dot_product_attention"
fn("basic", SDPA, [T(2, 3, 4, 5), T(2, 3, 6, 5), T(2, 3, 6, 7)])
fn("2d", SDPA, [T(4, 3), T(5, 3), T(5, 2)])
fn("causal", SDPA, [T(2, 5, 4), T(2, 5, 4), T(2, 5, 3)], {"is_causal": True})
fn("causal_rect", SDPA, [T(2, 3, 4), T(2, 5, 4), T(2, 5, 3)], {"is_causal": True})
fn("bool_mask", SDPA, [T(2, 2, 4, 3), T(2, 2, 5, 3), T(2, 2, 5, 3)],
   {"attn_mask": T(4, 5, data=[1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1], dt="bool")})
fn("float_mask_bcast", SDPA, [T(2, 2, 4, 3), T(2, 2, 5, 3), T(2, 2, 5, 3)],
   {"attn_mask": T(2, 1, 4, 5, grad=True)})
fn("float_mask_nograd", SDPA, [T(3, 4, 3), T(3, 5, 3), T(3, 5, 2)], {"attn_mask": T(1, 4, 5, grad=False)})
fn("scale", SDPA, [T(2, 4, 3), T(2, 5, 3), T(2, 5, 2)], {"scale": 0.7})
fn("bcast_batch", SDPA, [T(2, 3, 4, 3), T(1, 3, 5, 3), T(2, 1, 5, 2)])

# ---- nn.MultiheadAttention: forward(query, key, value, key_padding_mask=None, need_weights=True,
# attn_mask=None, average_attn_weights=True) ------------------------------------------------------
MHA = "MultiheadAttention"
L, S, N, E = 3, 4, 2, 6
KPM = T(N, S, data=[0, 0, 1, 0, 0, 1, 0, 1], dt="bool")
AM2 = T(L, S, data=[0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0], dt="bool")
module("basic", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E)], **F32)
module("one_head", MHA, [4, 1], {}, [(L, N, 4), (S, N, 4), (S, N, 4)], **F32)
module("nobias", MHA, [E, 3], {"bias": False}, [(L, N, E), (S, N, E), (S, N, E)], **F32)
module("bias_kv", MHA, [E, 2], {"add_bias_kv": True}, [(L, N, E), (S, N, E), (S, N, E)], **F32)
module("zero_attn", MHA, [E, 2], {"add_zero_attn": True}, [(L, N, E), (S, N, E), (S, N, E)], **F32)
module("bias_kv_zero_attn_masks", MHA, [E, 2], {"add_bias_kv": True, "add_zero_attn": True},
       [(L, N, E), (S, N, E), (S, N, E), KPM, True, AM2], **F32)
module("kdim_vdim", MHA, [E, 2], {"kdim": 5, "vdim": 3}, [(L, N, E), (S, N, 5), (S, N, 3)], **F32)
module("kdim_vdim_nobias_bf", MHA, [E, 3], {"kdim": 4, "vdim": 2, "bias": False, "batch_first": True},
       [(N, L, E), (N, S, 4), (N, S, 2)], **F32)
module("batch_first", MHA, [E, 2], {"batch_first": True}, [(N, L, E), (N, S, E), (N, S, E)], **F32)
module("unbatched", MHA, [E, 2], {}, [(L, E), (S, E), (S, E)], **F32)
module("unbatched_masks", MHA, [E, 2], {}, [(L, E), (S, E), (S, E), T(S, data=[0, 1, 0, 0], dt="bool"),
                                            True, T(2, L, S, grad=False)], **F32)
module("kpm_bool", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), KPM], **F32)
module("kpm_float", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), T(N, S, grad=False)], **F32)
module("mask2d_bool", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), None, True, AM2], **F32)
module("mask2d_float", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), None, True, T(L, S, grad=False)],
       **F32)
module("mask3d_float_kpm", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), KPM, True,
                                             T(N * 2, L, S, grad=False)], **F32)
module("mask3d_bool_kpm", MHA, [E, 3], {}, [(L, N, E), (S, N, E), (S, N, E), KPM, True,
                                            T(N * 3, L, S, kind="bool")], **F32)
module("no_weights", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), None, False], **F32)
module("per_head_weights", MHA, [E, 2], {}, [(L, N, E), (S, N, E), (S, N, E), None, True, None, False], **F32)
module("dropout_eval", MHA, [E, 2, 0.5], {}, [(L, N, E), (S, N, E), (S, N, E)], training=False, **F32)

# ---- the Transformer family ----------------------------------------------------------------------
D, H, FF = 4, 2, 6
for cls in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
    dec = cls == "TransformerDecoderLayer"
    mem = [(5, N, D)] if dec else []
    module("basic", cls, [D, H, FF, 0.0], {}, [(L, N, D)] + mem, **F32)
    module("gelu_norm_first", cls, [D, H, FF, 0.0], {"activation": "gelu", "norm_first": True},
           [(L, N, D)] + mem, **F32)
    module("batch_first_eps", cls, [D, H, FF, 0.0], {"batch_first": True, "layer_norm_eps": 1e-3},
           [(N, L, D)] + [(N, 5, D)] * dec, **F32)
    module("dropout_eval", cls, [D, H, FF], {}, [(L, N, D)] + mem, training=False, **F32)
    module("unbatched", cls, [D, H, FF, 0.0], {}, [(L, D)] + [(5, D)] * dec, **F32)
TGT_MASK = T(L, L, data=[0, 1, 1, 0, 0, 1, 0, 0, 0], dt="bool")
module("masks", "TransformerEncoderLayer", [D, H, FF, 0.0], {},
       [(L, N, D), T(L, L, grad=False), T(N, L, data=[0, 0, 1, 0, 1, 0], dt="bool")], **F32)
module("masks", "TransformerDecoderLayer", [D, H, FF, 0.0], {},
       [(L, N, D), (5, N, D), TGT_MASK, T(L, 5, grad=False), T(N, L, data=[0, 0, 1, 0, 0, 0], dt="bool"),
        T(N, 5, data=[0, 1, 0, 0, 1, 0, 0, 0, 0, 0], dt="bool")], **F32)
module("small", "Transformer", [D, H, 2, 1, FF, 0.0], {}, [(5, N, D), (L, N, D)], **F32)
module("small_masks_bf", "Transformer", [D, H, 1, 2, FF, 0.0], {"batch_first": True, "norm_first": True},
       [(N, 5, D), (N, L, D), None, T(L, L, grad=False), None,
        T(N, 5, data=[0, 0, 0, 1, 1, 0, 0, 0, 0, 0], dt="bool")], **F32)
