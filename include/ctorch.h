/* ctorch: PyTorch's torch + autograd in C. Include this one header.
 * One header per PyTorch namespace, layered as the library is (each includes what it builds on):
 *   core.h        tensors, dtypes, memory (scopes), errors, threads, creation, RNG, printing
 *   tensor_ops.h  torch.* / Tensor.*: views, copies, pointwise, reductions, indexing, sorting
 *   linalg.h      matrix products (torch.mm, torch.matmul, ...) and torch.linalg
 *   functional.h  torch.nn.functional (relu, gelu, softmax, one_hot, pad, ...)
 *   autograd.h    torch.autograd: backward, grad mode, custom functions, gradcheck, anomaly mode
 *   io.h          .npy and safetensors files
 *   nn_init.h     torch.nn.init (ct_nn_init_kaiming_uniform_ ...), draw for draw
 *   nn.h          torch.nn: modules (ct_module), containers, state_dict, hooks, layers
 *   pth.h         torch.load of .pt / .pth files (weights_only), ct_module_load_pth
 *   data.h        torch.utils.data: datasets, DataLoader, the IDX (MNIST) reader
 *   optim.h       torch.optim: optimizers, param groups, their state; gradient clipping
 *   lr_scheduler.h torch.optim.lr_scheduler: StepLR ... OneCycleLR (ct_lr_step_lr, ...) */
#ifndef CTORCH_H
#define CTORCH_H
#include "ctorch/core.h"
#include "ctorch/tensor_ops.h"
#include "ctorch/linalg.h"
#include "ctorch/functional.h"
#include "ctorch/nn_init.h"
#include "ctorch/autograd.h"
#include "ctorch/io.h"
#include "ctorch/nn.h"
#include "ctorch/pth.h"
#include "ctorch/data.h"
#include "ctorch/optim.h"
#include "ctorch/lr_scheduler.h"
#include "ctorch/sparse.h"
#endif
