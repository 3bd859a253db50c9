"""Parity specs of float16 / bfloat16 (issue 12 "Half precision"), the ops PyTorch 1.13 runs
in those dtypes on the CPU: conversion, arithmetic, matmul / mm / linear, softmax /
log_softmax (bfloat16; 1.13 has no CPU Half kernel), sum / mean, and a Linear module forward + backward (bfloat16, and float16 where
PyTorch 1.13's CPU has the kernel: its addmm has none for Half). Inputs are randn rounded to
the case's dtype; ctorch computes in float32 and rounds once, as PyTorch's CPU kernels do."""
import torch

from gen import T, fn, module

H = ("f16", "bf16")
BF = ("bf16",)

# ---- conversion: a float32 / float64 tensor to the 16-bit dtypes and back ----------------------
fn("to_f16", "Tensor.to", [T(3, 5, kind="wide", dt="f32"), torch.float16], dts=None, grad=False)
fn("to_bf16", "Tensor.to", [T(3, 5, kind="wide", dt="f32"), torch.bfloat16], dts=None, grad=False)
fn("f64_to_bf16", "Tensor.to", [T(4, kind="wide", dt="f64"), torch.bfloat16], dts=None, grad=False)
fn("to_f32", "Tensor.to", [T(3, 4), torch.float32], dts=H)

# ---- arithmetic --------------------------------------------------------------------------------
fn("h", "torch.add", [T(3, 4), T(3, 4)], dts=H)
fn("h_bcast", "torch.sub", [T(2, 3, 4), T(4)], dts=H)
fn("h", "torch.mul", [T(3, 4), T(1, 4)], dts=H)
fn("h", "torch.div", [T(3, 4), T(3, 4, kind="nonzero")], dts=H)
fn("h_scalar", "torch.add", [T(3, 4), 2.5], {"alpha": 2}, dts=H)

# ---- matmul / mm / linear (PyTorch 1.13 has no CPU Half addmm: bfloat16 only) ------------------
fn("h", "torch.matmul", [T(3, 4), T(4, 5)], dts=BF)
fn("h_batched", "torch.matmul", [T(2, 3, 4), T(4, 2)], dts=BF)
fn("h", "torch.mm", [T(4, 3), T(3, 2)], dts=BF)
fn("h", "F.linear", [T(5, 4), T(3, 4), T(3)], dts=BF)

# ---- softmax / log_softmax, sum / mean ----------------------------------------------------------
fn("h", "F.softmax", [T(3, 6)], {"dim": 1}, dts=BF)  # no CPU Half softmax in 1.13
fn("h", "F.log_softmax", [T(2, 3, 5)], {"dim": -1}, dts=BF)
fn("h", "torch.sum", [T(4, 6)], dts=H)
fn("h_dim", "torch.sum", [T(4, 6), 1], dts=H)
fn("h", "torch.mean", [T(4, 6)], dts=H)
fn("h_dim", "torch.mean", [T(3, 4, 5)], {"dim": [0, 2], "keepdim": True}, dts=H)

# ---- a bfloat16 Linear: forward, and the gradients of its input and parameters -----------------
module("h", "Linear", [8, 4], {}, [(3, 8)], dts=BF)
module("h_3d", "Linear", [6, 5], {}, [(2, 3, 6)], dts=BF)
