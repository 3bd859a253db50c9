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

/* A kind from the built-in table (registry.c), by name; NULL if none. */
const ct_module_kind *nn_builtin_kind(const char *name);

/* "torch.Size([3, 3])" style list: "[3, 3]" of t's shape. */
void nn_shape(ct__strbuf *b, const ct_tensor *t);

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

/* The layers' kinds (layers.c) and containers' (containers.c), for the registry's table. */
extern const ct_module_kind ct__nn_kind_linear, ct__nn_kind_bilinear, ct__nn_kind_identity,
    ct__nn_kind_flatten, ct__nn_kind_unflatten, ct__nn_kind_relu, ct__nn_kind_sigmoid,
    ct__nn_kind_tanh, ct__nn_kind_gelu, ct__nn_kind_silu, ct__nn_kind_softmax,
    ct__nn_kind_log_softmax, ct__nn_kind_sequential, ct__nn_kind_module_list,
    ct__nn_kind_module_dict, ct__nn_kind_parameter_list, ct__nn_kind_parameter_dict;

#endif
