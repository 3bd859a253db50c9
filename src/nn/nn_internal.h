/* Shared by src/nn/: the module's private record and small helpers. nn code uses the public
 * API plus the error kit and the string buffer only, never src/internal.h's tensor struct
 * (the ctest layers holds that line). */
#ifndef CT_NN_INTERNAL_H
#define CT_NN_INTERNAL_H

#include "ctorch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tensor/error.h"  /* ct__err: PyTorch-worded messages */
#include "../tensor/strbuf.h" /* ct__strbuf: printing */

/* One registered tensor (parameter or buffer) or child, in registration order. */
typedef struct nn_entry {
  char *name;
  union {
    ct_tensor *t;
    ct_module *m;
  };
  bool persistent; /* buffers: in state_dict */
} nn_entry;

typedef struct nn_list {
  int n, cap;
  nn_entry *e;
} nn_list;

typedef enum { NN_HOOK_PRE, NN_HOOK_FWD, NN_HOOK_BWD } nn_hook_type;
typedef struct nn_hook {
  int64_t id;
  nn_hook_type type;
  void (*fn)(void); /* one of the three hook types, by type */
  void *user;
  /* user data the hook owns (nn.utils' weight_norm / spectral_norm state): freed when the
   * hook goes, duplicated by deepcopy; NULL for the public hooks */
  void (*user_free)(void *user);
  void *(*user_copy)(const void *user);
} nn_hook;

typedef struct nn_bw_pending nn_bw_pending;
struct ct_module_impl {
  int64_t refcount;
  nn_list params, buffers, children;
  int nhooks, caphooks;
  nn_hook *hooks;
  int npending, cappending;
  nn_bw_pending *pending; /* grad_outputs waiting for the inputs' node (hooks.c) */
};

/* Index of name in l, or -1. */
int nn_find(const nn_list *l, const char *name);
/* Append or replace (name copied); the entry's old tensor / module is returned in *old. */
int nn_list_put(nn_list *l, const char *name, void *obj, bool persistent, void **old);
/* Remove entry i (its name freed, its object returned, not released). */
void *nn_list_remove(nn_list *l, int i);

/* Full backward hooks around one call (hooks.c): begin routes the inputs through the
 * recording identity, end the outputs (out NULL: only free the token). */
typedef struct nn_bw nn_bw;
nn_bw *nn_bw_begin(ct_module *m, ct_values *args);
int nn_bw_end(nn_bw *b, ct_values *out);
/* Release the grad_outputs still waiting (ct_module_free). */
void nn_bw_release_all(ct_module *m);
/* A forward pre-hook owning user (freed with user_free when removed or when m is freed;
 * user_copy duplicates it for ct_module_deepcopy). On failure user is freed. */
ct_hook_handle nn_add_owned_pre_hook(ct_module *m, ct_forward_pre_hook fn, void *user,
                                     void (*user_free)(void *), void *(*user_copy)(const void *));

/* Defines the module kind `var` and its registry builder `fn`, which returns
 * builder(args, &var): a family's kinds share one builder, which reads the class name (and
 * what differs) off the kind. The remaining arguments are var's other designated initializers
 * (.name, .size, .forward1, ...). */
#define NN_KIND(var, fn, builder, ...)                                        \
  static ct_module *fn(const ct_values *args) { return builder(args, &var); } \
  const ct_module_kind var = {__VA_ARGS__, .build = fn}

/* A kind from the built-in table (registry.c), by name; NULL if none. */
const ct_module_kind *nn_builtin_kind(const char *name);

/* "torch.Size([3, 3])" style list: "[3, 3]" of t's shape. */
void nn_shape(ct__strbuf *b, const ct_tensor *t);

/* How many entries value i of vs spans (a tuple: itself and its elements, nested). */
int nn_value_span(const ct_values *vs, int i);

/* Argument reader for registry builders: reads positional pos or keyword key, marks it
 * used; nn_args_done reports anything left unread (unexpected keyword, too many
 * positionals) naming the class. A wrong type records an error and returns def. */
typedef struct nn_args {
  const ct_values *v;
  const char *cls;
  bool used[CT_VALUES_MAX];
  int npos_max; /* positionals the builder reads */
  bool bad;
} nn_args;
void nn_args_init(nn_args *a, const ct_values *v, const char *cls);
const ct_value *nn_arg(nn_args *a, int pos, const char *key);
int64_t nn_arg_int(nn_args *a, int pos, const char *key, int64_t def, bool required);
double nn_arg_float(nn_args *a, int pos, const char *key, double def);
bool nn_arg_bool(nn_args *a, int pos, const char *key, bool def);
const char *nn_arg_str(nn_args *a, int pos, const char *key, const char *def);
/* An int or a tuple of ints; returns the count, or -1 when absent. */
int nn_arg_ints(nn_args *a, int pos, const char *key, int64_t *out, int cap);
ct_dtype nn_arg_dtype(nn_args *a, int pos, const char *key);
/* Keywords that must be absent, None or a given value (device=None / "cpu"). */
void nn_arg_device(nn_args *a, int pos, const char *key);
/* 0, or -1 + error when something was unread or bad. */
int nn_args_done(nn_args *a);

/* Shared by the layers (layers.c): nn.init's _calculate_fan_in_and_fan_out(t)[0] (-1 + error
 * below 2-D), uniform_(-bound, bound), kaiming_uniform_(a) with Python's arithmetic, and a new
 * uninitialised parameter registered under name (NULL on error). */
int64_t nn_fan_in(const ct_tensor *t);
int nn_uniform_init(ct_tensor *t, double bound);
int nn_kaiming_uniform(ct_tensor *t, double a);
ct_tensor *nn_new_param(ct_module *m, const char *name, int ndim, const int64_t *shape, ct_dtype dtype);
/* The Lazy layers (lazy.c): register (0,) placeholder parameters "weight" and, with_bias,
 * "bias" (PyTorch's UninitializedParameter); at the first forward, materialise them as
 * weight (nd dims of shape) and bias (out), keeping each placeholder's dtype and
 * requires_grad. The pointers follow the registered tensors; 0, or -1 + error. */
int nn_lazy_placeholders(ct_module *m, ct_tensor **weight, ct_tensor **bias, bool with_bias,
                         ct_dtype dtype);
/* A (0,) placeholder persistent buffer `name` (UninitializedBuffer); NULL + error. */
ct_tensor *nn_lazy_buffer(ct_module *m, const char *name, ct_dtype dtype);
int nn_lazy_materialize(ct_module *m, ct_tensor **weight, int nd, const int64_t *shape,
                        ct_tensor **bias, int64_t out);
/* load_state_dict into a Lazy layer (LazyModuleMixin._lazy_load_hook): is m a Lazy layer
 * not yet materialised, is t a (0,) placeholder, and materialise the placeholder registered
 * as parameter or buffer `name` to shape (the kind's pointer follows); the new tensor or NULL. */
bool nn_is_lazy(const ct_module *m);
bool nn_lazy_placeholder(const ct_tensor *t);
ct_tensor *nn_lazy_materialize_named(ct_module *m, const char *name, ct_tensor *placeholder, int nd,
                                     const int64_t *shape);
/* Point every word of m's private part holding from at to (utils.c; the kinds' borrowed
 * pointers to a registered tensor that was replaced). */
void nn_repoint(ct_module *m, const void *from, void *to);

/* For nn.utils.fuse_conv_bn_eval (utils.c): a Conv / ConvTranspose module's weight and bias
 * replaced by w and b (registered as parameters, the kind's pointers moved to them), -1 + error
 * for another kind; a norm layer's eps (NaN for another kind). */
int nn_conv_set_params(ct_module *m, ct_tensor *w, ct_tensor *b);
/* the same for a Linear (layers.c) */
int nn_linear_set_params(ct_module *m, ct_tensor *w, ct_tensor *b);
double nn_norm_eps(const ct_module *m);

/* Python's repr of values in extra_repr (layer_util.c): a float as repr(float) ("1e-05",
 * "0.1", "1.0"), an int-or-tuple as given (n == 1: "3"; else "(3, 2)"; CT_NONE: "None"), or
 * forced to an nd-tuple as _pair / _triple store it ("(3,)", "(3, 3)"). */
void nn_py_float(ct__strbuf *b, double v);
void nn_py_ints(ct__strbuf *b, const ct_ints *v);
void nn_py_tuple(ct__strbuf *b, const ct_ints *v, int nd);
/* Expand an int-or-tuple to nd entries (n == 0: def); -1 + error naming the argument. */
int nn_expand(const ct_ints *v, int nd, int64_t def, int64_t *out, const char *cls, const char *what);
/* The builders' int-or-tuple argument as a ct_ints (n = 0 when absent). */
ct_ints nn_arg_ct_ints(nn_args *a, int pos, const char *key);
/* The losses' reduction (layer_util.c): size_average / reduce (legacy, at their positions; -1:
 * keyword only) or reduction='mean' | 'sum' | 'none' (| 'batchmean' when allowed, KLDivLoss);
 * an unknown name records PyTorch's "X is not a valid value for reduction". */
ct_reduction nn_arg_reduction(nn_args *a, int pos_size_average, int pos_reduce, int pos_reduction,
                              bool allow_batchmean);
/* Copy the string buffer into extra_repr's buf and free it. */
void nn_repr_out(ct__strbuf *b, char *buf, size_t n);

/* The layers' kinds (layers.c) and containers' (containers.c), for the registry's table. */
extern const ct_module_kind ct__nn_kind_linear, ct__nn_kind_bilinear, ct__nn_kind_identity,
    ct__nn_kind_flatten, ct__nn_kind_unflatten, ct__nn_kind_relu, ct__nn_kind_sigmoid,
    ct__nn_kind_tanh, ct__nn_kind_gelu, ct__nn_kind_silu, ct__nn_kind_softmax,
    ct__nn_kind_log_softmax, ct__nn_kind_sequential, ct__nn_kind_module_list,
    ct__nn_kind_module_dict, ct__nn_kind_parameter_list, ct__nn_kind_parameter_dict;
/* the Lazy layers (layers.c, conv.c, norm.c) */
extern const ct_module_kind ct__nn_kind_lazy_linear, ct__nn_kind_lazy_conv1d,
    ct__nn_kind_lazy_conv2d, ct__nn_kind_lazy_conv3d;
extern const ct_module_kind ct__nn_kind_lazy_conv_transpose1d, ct__nn_kind_lazy_conv_transpose2d,
    ct__nn_kind_lazy_conv_transpose3d, ct__nn_kind_lazy_batch_norm1d,
    ct__nn_kind_lazy_batch_norm2d, ct__nn_kind_lazy_batch_norm3d,
    ct__nn_kind_lazy_instance_norm1d, ct__nn_kind_lazy_instance_norm2d,
    ct__nn_kind_lazy_instance_norm3d;
/* conv.c, norm.c, pool.c, sparse.c (dropout and embedding) */
extern const ct_module_kind ct__nn_kind_conv1d, ct__nn_kind_conv2d, ct__nn_kind_conv3d,
    ct__nn_kind_conv_transpose1d, ct__nn_kind_conv_transpose2d, ct__nn_kind_conv_transpose3d,
    ct__nn_kind_batch_norm1d, ct__nn_kind_batch_norm2d, ct__nn_kind_batch_norm3d,
    ct__nn_kind_sync_batch_norm, ct__nn_kind_instance_norm1d, ct__nn_kind_instance_norm2d,
    ct__nn_kind_instance_norm3d, ct__nn_kind_group_norm, ct__nn_kind_layer_norm,
    ct__nn_kind_local_response_norm, ct__nn_kind_max_pool1d, ct__nn_kind_max_pool2d,
    ct__nn_kind_max_pool3d, ct__nn_kind_max_unpool1d, ct__nn_kind_max_unpool2d,
    ct__nn_kind_max_unpool3d, ct__nn_kind_avg_pool1d, ct__nn_kind_avg_pool2d,
    ct__nn_kind_avg_pool3d, ct__nn_kind_adaptive_avg_pool1d, ct__nn_kind_adaptive_avg_pool2d,
    ct__nn_kind_adaptive_avg_pool3d, ct__nn_kind_adaptive_max_pool1d,
    ct__nn_kind_adaptive_max_pool2d, ct__nn_kind_adaptive_max_pool3d, ct__nn_kind_lp_pool1d,
    ct__nn_kind_lp_pool2d, ct__nn_kind_fractional_max_pool2d, ct__nn_kind_fractional_max_pool3d,
    ct__nn_kind_dropout, ct__nn_kind_dropout1d, ct__nn_kind_dropout2d, ct__nn_kind_dropout3d,
    ct__nn_kind_alpha_dropout, ct__nn_kind_feature_alpha_dropout, ct__nn_kind_embedding,
    ct__nn_kind_embedding_bag;

/* nn-act: activation.c, reshape_layers.c and utils.c */
extern const ct_module_kind ct__nn_kind_relu6, ct__nn_kind_rrelu, ct__nn_kind_leaky_relu,
    ct__nn_kind_prelu, ct__nn_kind_elu, ct__nn_kind_celu, ct__nn_kind_selu, ct__nn_kind_mish,
    ct__nn_kind_hardtanh, ct__nn_kind_hardsigmoid, ct__nn_kind_hardswish, ct__nn_kind_softplus,
    ct__nn_kind_softsign, ct__nn_kind_softshrink, ct__nn_kind_hardshrink, ct__nn_kind_tanhshrink,
    ct__nn_kind_threshold, ct__nn_kind_logsigmoid, ct__nn_kind_glu, ct__nn_kind_softmin,
    ct__nn_kind_softmax2d, ct__nn_kind_pixel_shuffle, ct__nn_kind_pixel_unshuffle,
    ct__nn_kind_channel_shuffle, ct__nn_kind_pairwise_distance, ct__nn_kind_cosine_similarity,
    ct__nn_kind_constant_pad1d, ct__nn_kind_constant_pad2d, ct__nn_kind_constant_pad3d,
    ct__nn_kind_reflection_pad1d, ct__nn_kind_reflection_pad2d, ct__nn_kind_reflection_pad3d,
    ct__nn_kind_replication_pad1d, ct__nn_kind_replication_pad2d, ct__nn_kind_replication_pad3d,
    ct__nn_kind_zero_pad2d;
/* _get_softmax_dim: the dim Softmax / Softmin / LogSoftmax use for dim=None on nd dims. */
int64_t nn_softmax_dim(int nd);
/* A number as the constructor got it: an int ("%lld") or repr(float). */
void nn_num_repr(ct__strbuf *b, double x, bool is_int);
/* A float argument that remembers whether it was given as an int (def_int when absent). */
double nn_arg_num(nn_args *a, int pos, const char *key, double def, bool def_int, bool *is_int);
/* losses: margin (loss_margin.c, loss_adaptive.c) */
extern const ct_module_kind ct__nn_kind_margin_ranking_loss, ct__nn_kind_hinge_embedding_loss,
    ct__nn_kind_cosine_embedding_loss, ct__nn_kind_triplet_margin_loss,
    ct__nn_kind_triplet_margin_with_distance_loss, ct__nn_kind_multi_margin_loss,
    ct__nn_kind_multilabel_margin_loss, ct__nn_kind_adaptive_log_softmax_with_loss;
/* resample.c */
extern const ct_module_kind ct__nn_kind_upsample, ct__nn_kind_upsampling_nearest2d,
    ct__nn_kind_upsampling_bilinear2d, ct__nn_kind_unfold, ct__nn_kind_fold;

/* losses: regression and binary (loss_reg.c) */
extern const ct_module_kind ct__nn_kind_l1_loss, ct__nn_kind_mse_loss, ct__nn_kind_smooth_l1_loss,
    ct__nn_kind_huber_loss, ct__nn_kind_soft_margin_loss, ct__nn_kind_bce_loss,
    ct__nn_kind_bce_with_logits_loss, ct__nn_kind_kl_div_loss, ct__nn_kind_poisson_nll_loss,
    ct__nn_kind_gaussian_nll_loss, ct__nn_kind_multilabel_soft_margin_loss;
/* losses: classification (loss_class.c) */
extern const ct_module_kind ct__nn_kind_cross_entropy_loss, ct__nn_kind_nll_loss, ct__nn_kind_ctc_loss;
/* recurrent (rnn.c) */
extern const ct_module_kind ct__nn_kind_rnn, ct__nn_kind_lstm, ct__nn_kind_gru, ct__nn_kind_rnn_cell,
    ct__nn_kind_lstm_cell, ct__nn_kind_gru_cell;

/* attention and the Transformer (transformer.c); MultiheadAttention's out_proj kind (layers.c) */
extern const ct_module_kind ct__nn_kind_multihead_attention, ct__nn_kind_transformer_encoder_layer,
    ct__nn_kind_transformer_decoder_layer, ct__nn_kind_transformer_encoder, ct__nn_kind_transformer_decoder,
    ct__nn_kind_transformer, ct__nn_kind_ndq_linear;

#endif
