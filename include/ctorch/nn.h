/* torch.nn in C: the Module system (ct_module), containers, state_dict, hooks, printing, the
 * registry that builds a module from its PyTorch class name, and the layers.
 *
 * A module is a struct embedding `ct_module` as its FIRST member, described by a kind (one
 * static ct_module_kind: PyTorch class name, struct size, forward, extra_repr, ...). It owns
 * its parameters, buffers and children (registered by name, in order, as PyTorch's
 * _parameters / _buffers / _modules); forward results belong to the caller's scope like any
 * op result. Modules are reference counted: ct_nn_linear(...) returns one reference, which
 * ct_module_free drops; registering a child hands that reference to the parent.
 *
 *   typedef struct { ct_module base; ct_module *fc1, *relu; } Net;
 *   static ct_tensor *net_forward(ct_module *m, ct_tensor *x) {
 *     Net *self = (Net *)m;
 *     return ct_forward(self->relu, ct_forward(self->fc1, x));
 *   }
 *   static const ct_module_kind net_kind = {"Net", sizeof(Net), .forward1 = net_forward};
 *   ct_module *m = ct_module_new(&net_kind);
 *   Net *net = (Net *)m;
 *   net->fc1 = ct_module_register_module(m, "fc1", ct_nn_linear(4, 3));
 *
 * A kind's struct may keep borrowed pointers to its own registered parameters, buffers and
 * children (as above): ct_module_deepcopy and ct_module_to rewrite them to the new objects. */
#ifndef CTORCH_NN_H
#define CTORCH_NN_H

#include "autograd.h"
#include "functional.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* ---- values: forward's arguments and results ---------------------------------------------
 * A flat list of values, positional or keyword (key set). A tuple is a CT_V_TUPLE entry whose
 * n says how many of the following entries (each with its own nesting) belong to it, so
 * LSTM's (out, (h, c)) is [out, TUPLE(2), h, c]: depth-first, as the parity format flattens. */
typedef enum ct_value_type {
  CT_V_NONE = 0,
  CT_V_TENSOR,
  CT_V_INT,
  CT_V_FLOAT,
  CT_V_BOOL,
  CT_V_STR,
  CT_V_TUPLE
} ct_value_type;
typedef struct ct_value {
  ct_value_type type;
  int n;           /* CT_V_TUPLE: number of elements */
  const char *key; /* keyword name; NULL for a positional value */
  union {
    ct_tensor *t;
    int64_t i;
    double f;
    bool b;
    const char *s;
  };
} ct_value;
#define CT_VALUES_MAX 32
typedef struct ct_values {
  int n;
  ct_value v[CT_VALUES_MAX];
} ct_values;
/* Value builders: a tensor, int, float, bool, string (borrowed), None, a tuple header of n
 * elements (the elements follow it), and a keyword argument ct_v_kw("need_weights", v). */
ct_value ct_v_tensor(ct_tensor *t);
ct_value ct_v_int(int64_t i);
ct_value ct_v_float(double f);
ct_value ct_v_bool(bool b);
ct_value ct_v_str(const char *s);
ct_value ct_v_none(void);
ct_value ct_v_tuple(int n);
ct_value ct_v_kw(const char *key, ct_value v);
/* A value list literal: CT_VALUES(ct_v_tensor(q), ct_v_kw("need_weights", ct_v_bool(true))). */
#define CT_VALUES(...)                                                                      \
  ((ct_values){.n = (int)(sizeof((ct_value[]){__VA_ARGS__}) / sizeof(ct_value)),          \
               .v = {__VA_ARGS__}})
/* Append v; 0, or -1 + error when the list is full. */
int ct_values_push(ct_values *vs, ct_value v);
/* The argument at position pos, or the keyword key (either may be -1 / NULL): NULL when
 * absent. Positional entries are those without a key, counted in order. */
const ct_value *ct_values_get(const ct_values *vs, int pos, const char *key);
/* The i-th tensor of the list, tuples flattened depth-first (NULL when there is none). */
ct_tensor *ct_values_tensor(const ct_values *vs, int i);
/* How many tensors the list holds, tuples flattened. */
int ct_values_count_tensors(const ct_values *vs);

/* ---- modules ------------------------------------------------------------------------------ */
typedef struct ct_module ct_module;
typedef struct ct_module_impl ct_module_impl;
typedef struct ct_module_kind {
  const char *name; /* PyTorch's class name, printed and used by the registry: "Linear" */
  size_t size;      /* sizeof the struct embedding ct_module (0: a bare ct_module) */
  /* forward(inputs) -> outputs, any number of each (tensors returned in the current scope);
   * 0 or -1 with an error recorded. */
  int (*forward)(ct_module *m, const ct_values *in, ct_values *out);
  /* The one-in, one-out form, used when forward is NULL. */
  ct_tensor *(*forward1)(ct_module *m, ct_tensor *x);
  /* Module.extra_repr(): write it into buf (n bytes, NUL-terminated); may be NULL. */
  void (*extra_repr)(const ct_module *m, char *buf, size_t n);
  /* reset_parameters(): PyTorch's default initialisation, draw for draw; 0 or -1. */
  int (*reset_parameters)(ct_module *m);
  /* Free what the struct owns besides registered tensors and children; may be NULL. */
  void (*destroy)(ct_module *m);
  /* After ct_module_deepcopy's byte copy of the struct: duplicate what it owns; 0 or -1. */
  int (*copy)(ct_module *dst, const ct_module *src);
  /* Registry: build from PyTorch's constructor arguments (positional and keyword values);
   * see ct_nn_create. May be NULL for kinds the registry cannot build. */
  ct_module *(*build)(const ct_values *args);
} ct_module_kind;

struct ct_module {
  const ct_module_kind *kind;
  ct_module_impl *impl; /* private: registered entries, hooks, reference count */
  bool training;        /* Module.training (read it with ct_module_is_training) */
};

/* A new module of kind (its struct zeroed, training mode, no entries); free with
 * ct_module_free. NULL on OOM or a kind whose size is below sizeof(ct_module). */
ct_module *ct_module_new(const ct_module_kind *kind);
/* Add a reference (a module shared by two parents, or kept beyond its parent). Returns m. */
ct_module *ct_module_retain(ct_module *m);
/* Drop a reference; the last one frees the module, its tensors and its children. */
void ct_module_free(ct_module *m);
/* type(m).__name__: the kind's PyTorch class name. */
const char *ct_module_name(const ct_module *m);

/* nn.Parameter(t): a leaf requiring grad sharing t's data (a new reference in the scope). */
ct_tensor *ct_parameter(const ct_tensor *t, bool requires_grad);
/* Module.register_parameter(name, Parameter(t)): t becomes a parameter (t itself when it is
 * a leaf that requires grad, else nn.Parameter(t)); the module retains it. Returns the
 * parameter (borrowed from the module), or NULL + PyTorch's error for a bad name. A NULL t
 * (an earlier failure) returns NULL and registers nothing. */
ct_tensor *ct_module_register_parameter(ct_module *m, const char *name, ct_tensor *t);
/* Module.register_buffer(name, t, persistent): retained; persistent ones are in state_dict. */
ct_tensor *ct_module_register_buffer(ct_module *m, const char *name, ct_tensor *t, bool persistent);
/* Module.add_module(name, child) / register_module: takes over the caller's reference to
 * child (also when it fails, then child is freed) and returns child (borrowed), or NULL. A
 * name already used by a child replaces that child, as PyTorch does. */
ct_module *ct_module_register_module(ct_module *m, const char *name, ct_module *child);
/* Lookups by name, dotted for descendants ("features.0.weight"); borrowed; NULL + error
 * (PyTorch's get_parameter / get_buffer / get_submodule messages) when absent. */
ct_tensor *ct_module_get_parameter(const ct_module *m, const char *target);
ct_tensor *ct_module_get_buffer(const ct_module *m, const char *target);
ct_module *ct_module_get_submodule(const ct_module *m, const char *target);
/* Replace a parameter's or buffer's tensor (self.weight = Parameter(...)): same rules as
 * registering; the old one is released. Returns the new one (borrowed). */
ct_tensor *ct_module_set_tensor(ct_module *m, const char *name, ct_tensor *t);

/* Module(*inputs): forward pre-hooks, forward, forward hooks, backward hooks. 0 or -1.
 * Tensors in out belong to the caller's scope. */
int ct_module_call(ct_module *m, const ct_values *in, ct_values *out);
/* m(x, ...) for tensor inputs and one tensor output: ct_tensor *y = ct_forward(m, x). NULL +
 * error when m fails or returns other than one tensor. A NULL m or x returns NULL. */
ct_tensor *ct_forward_ex(ct_module *m, ct_tensor *const *xs, int n);
#define ct_forward(m, ...) ct_forward_ex(m, CT_TENSORS(__VA_ARGS__))

/* ---- traversal ----------------------------------------------------------------------------- */
/* A list of (name, module) pairs, borrowed modules; free with ct_module_list_free. */
typedef struct ct_module_list {
  int n;
  char **names;
  ct_module **modules;
} ct_module_list;
void ct_module_list_free(ct_module_list *l);
/* named_children(): direct children, each module once. */
ct_module_list ct_module_named_children(const ct_module *m);
/* named_modules(): m itself ("") then every descendant depth-first with dotted names, each
 * module once (the first name it is reached by), as PyTorch's memo does. */
ct_module_list ct_module_named_modules(const ct_module *m);
/* named_parameters(recurse=): dotted names, a parameter shared under two names listed once.
 * A new map (retaining the tensors themselves); free with ct_tensor_map_free. */
ct_tensor_map *ct_module_named_parameters(const ct_module *m, bool recurse);
/* named_buffers(recurse=): every buffer, persistent or not. */
ct_tensor_map *ct_module_named_buffers(const ct_module *m, bool recurse);
/* sum(p.numel() for p in m.parameters() [if p.requires_grad]). */
int64_t ct_module_num_parameters(const ct_module *m, bool only_trainable);
/* Module.apply(fn): fn on every child (recursively) then on m. Stops at the first fn
 * returning nonzero and returns it. */
int ct_module_apply(ct_module *m, int (*fn)(ct_module *m, void *user), void *user);
/* Module.train(mode) / eval(): m and every descendant. */
void ct_module_train(ct_module *m, bool mode);
void ct_module_eval(ct_module *m);
bool ct_module_is_training(const ct_module *m);
/* Module.requires_grad_(flag) on every parameter. */
void ct_module_requires_grad_(ct_module *m, bool requires_grad);
/* Module.zero_grad(set_to_none=False) (1.13's default is False: grads are zeroed). */
void ct_module_zero_grad(ct_module *m, bool set_to_none);
/* Module.to(dtype): floating parameters and buffers (and their grads) converted; the
 * module's parameters are new tensors afterwards (param.data = ...). 0 or -1. */
int ct_module_to(ct_module *m, ct_dtype dtype);
/* copy.deepcopy(m): new parameters, buffers and children (shared ones stay shared within the
 * copy), requires_grad and training flags kept. NULL on error. */
ct_module *ct_module_deepcopy(const ct_module *m);

/* ---- state_dict ------------------------------------------------------------------------------ */
/* state_dict(): parameters and persistent buffers under dotted names, PyTorch's order; the
 * values are detached tensors sharing the module's data. Free with ct_tensor_map_free. */
ct_tensor_map *ct_module_state_dict(const ct_module *m);
/* load_state_dict's result (_IncompatibleKeys); free the lists with ct_incompatible_keys_free. */
typedef struct ct_incompatible_keys {
  int n_missing, n_unexpected;
  char **missing_keys, **unexpected_keys;
} ct_incompatible_keys;
void ct_incompatible_keys_free(ct_incompatible_keys *k);
/* load_state_dict(sd, strict): copies every entry in (dtype converted, no autograd). Fails
 * with PyTorch's message ("Error(s) in loading state_dict for Linear:\n\tMissing key(s) in
 * state_dict: \"bias\". ") on a shape mismatch, or on missing / unexpected keys when strict;
 * on failure nothing is changed. keys may be NULL. 0 or -1. */
int ct_module_load_state_dict(ct_module *m, const ct_tensor_map *sd, bool strict,
                              ct_incompatible_keys *keys);
/* safetensors.torch.save_file(m.state_dict(), path): the same bytes. 0 or -1. */
int ct_module_save(const ct_module *m, const char *path);
/* m.load_state_dict(safetensors.torch.load_file(path), strict). 0 or -1. */
int ct_module_load(ct_module *m, const char *path, bool strict);

/* ---- printing ------------------------------------------------------------------------------- */
/* repr(m), exactly as PyTorch prints it; malloc'd (free()), NULL on OOM. */
char *ct_module_repr(const ct_module *m);
/* print(m) to stdout. */
void ct_module_print(const ct_module *m);

/* ---- hooks -------------------------------------------------------------------------------------
 * Each registration returns a handle; ct_hook_remove(&h) removes the hook (RemovableHandle). */
typedef struct ct_hook_handle {
  ct_module *module;
  int64_t id;
} ct_hook_handle;
/* register_forward_pre_hook: may change the inputs in place; 0 or -1 (fails the call). */
typedef int (*ct_forward_pre_hook)(ct_module *m, ct_values *inputs, void *user);
/* register_forward_hook: sees the inputs, may change the outputs in place; 0 or -1. The
 * tensors it sees belong to the module call's own scope, which ends when the call returns: a
 * hook that keeps one (a feature map, say) must ct_retain it and ct_release it later. */
typedef int (*ct_forward_hook)(ct_module *m, const ct_values *inputs, ct_values *outputs,
                               void *user);
/* register_full_backward_hook: grad_input[i] for each tensor input (NULL: None),
 * grad_output[j] for each tensor output. May write replacements into new_grad_input (NULL
 * entries keep grad_input). 0 or -1. */
typedef int (*ct_backward_hook)(ct_module *m, ct_tensor *const *grad_input, int n_in,
                                ct_tensor *const *grad_output, int n_out,
                                ct_tensor **new_grad_input, void *user);
ct_hook_handle ct_module_register_forward_pre_hook(ct_module *m, ct_forward_pre_hook fn, void *user);
ct_hook_handle ct_module_register_forward_hook(ct_module *m, ct_forward_hook fn, void *user);
ct_hook_handle ct_module_register_full_backward_hook(ct_module *m, ct_backward_hook fn, void *user);
/* handle.remove(): removes the hook (again is harmless). */
void ct_hook_remove(ct_hook_handle *h);

/* ---- registry --------------------------------------------------------------------------------- */
/* Build a module from its PyTorch class name and constructor arguments (positional values,
 * then keyword values with .key set; strings for enums, "torch.float64" for dtype):
 * ct_nn_create("Linear", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_kw("bias", ct_v_bool(false)))).
 * NULL + "Linear: unexpected keyword argument 'biass'"-style errors naming layer and key. */
ct_module *ct_nn_create(const char *name, const ct_values *args);
/* The kind registered under a PyTorch class name, or NULL. */
const ct_module_kind *ct_nn_find_kind(const char *name);
/* Add a user kind (with a build function) to the registry; 0 or -1 (name taken). */
int ct_nn_register_kind(const ct_module_kind *kind);
/* A model from JSON text (docs/nn-json-models.md): {"type": "Sequential", "modules": [
 * {"type": "Linear", "args": [16, 64]}, {"type": "ReLU"}]}. NULL + error naming the layer. */
ct_module *ct_nn_from_json(const char *json);
/* The same from a file. */
ct_module *ct_nn_load_json(const char *path);

/* ---- containers --------------------------------------------------------------------------------- */
/* nn.Sequential(*modules): takes over the references; children named "0", "1", ... */
ct_module *ct_nn_sequential_n(ct_module *const *modules, int n);
#define ct_nn_sequential(...) \
  ct_nn_sequential_n((ct_module *const[]){NULL, __VA_ARGS__} + 1, CT__NMODS(__VA_ARGS__))
#define CT__NMODS(...) ((int)(sizeof((ct_module *const[]){NULL, __VA_ARGS__}) / sizeof(ct_module *)) - 1)
/* nn.ModuleList(modules) */
ct_module *ct_nn_module_list_n(ct_module *const *modules, int n);
#define ct_nn_module_list(...) \
  ct_nn_module_list_n((ct_module *const[]){NULL, __VA_ARGS__} + 1, CT__NMODS(__VA_ARGS__))
/* nn.ModuleDict() (fill it with ct_module_dict_set). */
ct_module *ct_nn_module_dict(void);
/* nn.ParameterList(tensors): each becomes a parameter, named "0", "1", ... */
ct_module *ct_nn_parameter_list_n(ct_tensor *const *params, int n);
#define ct_nn_parameter_list(...) \
  ct_nn_parameter_list_n((ct_tensor *const[]){NULL, __VA_ARGS__} + 1, \
                         (int)(sizeof((ct_tensor *const[]){NULL, __VA_ARGS__}) / sizeof(ct_tensor *)) - 1)
/* nn.ParameterDict() (fill it with ct_parameter_dict_set). */
ct_module *ct_nn_parameter_dict(void);
/* len(container): children of Sequential / ModuleList / ModuleDict, parameters of
 * ParameterList / ParameterDict. -1 + error for other modules. */
int64_t ct_module_len(const ct_module *m);
/* Sequential.append / ModuleList.append(module): takes over the reference; returns m. */
ct_module *ct_module_append(ct_module *m, ct_module *child);
/* Sequential.insert / ModuleList.insert(index, module); returns m. */
ct_module *ct_module_insert(ct_module *m, int64_t index, ct_module *child);
/* container[index] (negative from the end): borrowed; NULL + "index 5 is out of range". */
ct_module *ct_module_at(const ct_module *m, int64_t index);
/* Sequential[start:stop:step] (CT_NONE for an omitted bound): a new Sequential sharing the
 * modules, keeping their names as PyTorch does. */
ct_module *ct_sequential_slice(const ct_module *m, int64_t start, int64_t stop, int64_t step);
/* ModuleDict[key] = module (takes the reference) / ModuleDict[key] (borrowed). */
ct_module *ct_module_dict_set(ct_module *m, const char *key, ct_module *child);
ct_module *ct_module_dict_get(const ct_module *m, const char *key);
/* ParameterList.append(t) / ParameterList[i] (negative from the end). */
ct_tensor *ct_parameter_list_append(ct_module *m, ct_tensor *t);
ct_tensor *ct_parameter_list_at(const ct_module *m, int64_t index);
/* ParameterDict[key] = t / ParameterDict[key]. */
ct_tensor *ct_parameter_dict_set(ct_module *m, const char *key, ct_tensor *t);
ct_tensor *ct_parameter_dict_get(const ct_module *m, const char *key);

/* ---- layers ---------------------------------------------------------------------------------------
 * Constructors take PyTorch's positional arguments and keyword options with its defaults;
 * parameters get PyTorch's default initialisation, draw for draw from the default generator. */
typedef struct ct_nn_linear_opts {
  bool bias;      /* true */
  ct_dtype dtype; /* CT_DTYPE_UNSET: the default dtype */
} ct_nn_linear_opts;
/* nn.Linear(in_features, out_features, bias=True, dtype=None) */
ct_module *ct_nn_linear_ex(int64_t in_features, int64_t out_features, ct_nn_linear_opts o);
#define ct_nn_linear(in, out, ...) \
  ct_nn_linear_ex(in, out, CT_OPTS(ct_nn_linear_opts, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* nn.LazyLinear(out_features, bias=True, dtype=None): in_features and the parameters' shapes
 * come from the first forward (input.shape[-1]), which initialises them as Linear does and
 * turns the module into a Linear; before it, weight and bias are (0,) placeholders (PyTorch's
 * UninitializedParameter) and it prints as LazyLinear(in_features=0, ...). */
ct_module *ct_nn_lazy_linear_ex(int64_t out_features, ct_nn_linear_opts o);
#define ct_nn_lazy_linear(out, ...) \
  ct_nn_lazy_linear_ex(out, CT_OPTS(ct_nn_linear_opts, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* nn.Bilinear(in1_features, in2_features, out_features, bias=True, dtype=None) */
ct_module *ct_nn_bilinear_ex(int64_t in1_features, int64_t in2_features, int64_t out_features,
                             ct_nn_linear_opts o);
#define ct_nn_bilinear(in1, in2, out, ...)                                  \
  ct_nn_bilinear_ex(in1, in2, out,                                         \
                    CT_OPTS(ct_nn_linear_opts, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* nn.Identity() */
ct_module *ct_nn_identity(void);
/* nn.Flatten(start_dim=1, end_dim=-1) */
ct_module *ct_nn_flatten(int64_t start_dim, int64_t end_dim);
/* nn.Unflatten(dim, unflattened_size) */
ct_module *ct_nn_unflatten(int64_t dim, int n, const int64_t *sizes);
/* nn.ReLU(inplace=False) */
ct_module *ct_nn_relu(bool inplace);
/* nn.Sigmoid() */
ct_module *ct_nn_sigmoid(void);
/* nn.Tanh() */
ct_module *ct_nn_tanh(void);
/* nn.GELU(approximate='none') */
ct_module *ct_nn_gelu(ct_gelu_approx approximate);
/* nn.SiLU(inplace=False) */
ct_module *ct_nn_silu(bool inplace);
/* nn.Softmax(dim=None) (CT_NONE: PyTorch's legacy choice, 0 for 0-, 1- and 3-D input, else 1) */
ct_module *ct_nn_softmax(int64_t dim);
/* nn.LogSoftmax(dim=None) */
ct_module *ct_nn_log_softmax(int64_t dim);

/* ---- conv, norm, pool, dropout and embedding layers ------------------------------------------
 * Int-or-tuple arguments are ct_ints: CT_INTS(3) prints as PyTorch prints an int given as 3,
 * CT_INTS(3, 2) as the tuple (3, 2); a zeroed ct_ints means the argument was not given. */
/* Keywords of nn.Conv1d/2d/3d and nn.ConvTranspose1d/2d/3d (output_padding: transposed only;
 * padding_mode CT_PAD_CONSTANT is 'zeros', the only one ConvTranspose takes). */
typedef struct ct_nn_conv_opts {
  ct_ints stride;               /* 1 */
  ct_ints padding;              /* 0 */
  ct_padding_kind padding_kind; /* padding='same' / 'valid' (Conv only) */
  ct_ints dilation;             /* 1 */
  ct_ints output_padding;       /* 0 */
  int64_t groups;               /* 1 */
  bool bias;                    /* true */
  ct_pad_mode padding_mode;     /* 'zeros' */
  ct_dtype dtype;               /* CT_DTYPE_UNSET: the default dtype */
} ct_nn_conv_opts;
#define CT_NN_CONV_OPTS(...) \
  CT_OPTS(ct_nn_conv_opts, .groups = 1, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True, padding_mode='zeros', dtype=None): ct_nn_conv2d(3, 16, CT_INTS(3), .padding =
 * CT_INTS(1)). Forward: one tensor (N, C, *) or (C, *). */
ct_module *ct_nn_conv1d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_conv2d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_conv3d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
/* nn.ConvTranspose1d/2d/3d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros', dtype=None).
 * Forward: (input) or (input, output_size) with output_size a tuple value or keyword. */
ct_module *ct_nn_conv_transpose1d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_conv_transpose2d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_conv_transpose3d_ex(int64_t in_channels, int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
#define ct_nn_conv1d(in, out, k, ...) ct_nn_conv1d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_conv2d(in, out, k, ...) ct_nn_conv2d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_conv3d(in, out, k, ...) ct_nn_conv3d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
/* nn.LazyConv1d/2d/3d(out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True, padding_mode='zeros', dtype=None): in_channels from the first forward (size(1),
 * or size(0) unbatched), which initialises the parameters as Conv*d does and turns the module
 * into a Conv*d; before it, (0,) placeholder parameters, printed as LazyConv2d(0, out, ...). */
ct_module *ct_nn_lazy_conv1d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_lazy_conv2d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_lazy_conv3d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
#define ct_nn_lazy_conv1d(out, k, ...) ct_nn_lazy_conv1d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_lazy_conv2d(out, k, ...) ct_nn_lazy_conv2d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_lazy_conv3d(out, k, ...) ct_nn_lazy_conv3d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_conv_transpose1d(in, out, k, ...) \
  ct_nn_conv_transpose1d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_conv_transpose2d(in, out, k, ...) \
  ct_nn_conv_transpose2d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_conv_transpose3d(in, out, k, ...) \
  ct_nn_conv_transpose3d_ex(in, out, k, CT_NN_CONV_OPTS(__VA_ARGS__))

/* Keywords of the batch and instance norms. */
typedef struct ct_nn_norm_opts {
  double eps;               /* 1e-5 */
  double momentum;          /* 0.1; NaN: None (BatchNorm: cumulative moving average) */
  bool affine;              /* BatchNorm: true; InstanceNorm: false */
  bool track_running_stats; /* BatchNorm: true; InstanceNorm: false */
  ct_dtype dtype;
} ct_nn_norm_opts;
#define CT_NN_BATCH_NORM_OPTS(...)                                                       \
  CT_OPTS(ct_nn_norm_opts, .eps = 1e-5, .momentum = 0.1, .affine = true,                \
          .track_running_stats = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
#define CT_NN_INSTANCE_NORM_OPTS(...) \
  CT_OPTS(ct_nn_norm_opts, .eps = 1e-5, .momentum = 0.1, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.BatchNorm1d/2d/3d(num_features, eps=1e-5, momentum=0.1, affine=True,
 * track_running_stats=True, dtype=None): weight, bias, running_mean, running_var,
 * num_batches_tracked (int64, counted in training). nn.SyncBatchNorm: the same over any
 * (N, C, *) input, in this one process. */
ct_module *ct_nn_batch_norm1d_ex(int64_t num_features, ct_nn_norm_opts o);
ct_module *ct_nn_batch_norm2d_ex(int64_t num_features, ct_nn_norm_opts o);
ct_module *ct_nn_batch_norm3d_ex(int64_t num_features, ct_nn_norm_opts o);
ct_module *ct_nn_sync_batch_norm_ex(int64_t num_features, ct_nn_norm_opts o);
#define ct_nn_batch_norm1d(n, ...) ct_nn_batch_norm1d_ex(n, CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_batch_norm2d(n, ...) ct_nn_batch_norm2d_ex(n, CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_batch_norm3d(n, ...) ct_nn_batch_norm3d_ex(n, CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_sync_batch_norm(n, ...) ct_nn_sync_batch_norm_ex(n, CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
/* SyncBatchNorm.convert_sync_batchnorm(m): every BatchNorm*d in m (m itself included) becomes
 * a SyncBatchNorm sharing its parameters and buffers. Takes over the caller's reference to m
 * and returns the converted module's (m itself unless m is a BatchNorm); NULL on error. */
ct_module *ct_nn_convert_sync_batchnorm(ct_module *m);
/* nn.InstanceNorm1d/2d/3d(num_features, eps=1e-5, momentum=0.1, affine=False,
 * track_running_stats=False, dtype=None). */
ct_module *ct_nn_instance_norm1d_ex(int64_t num_features, ct_nn_norm_opts o);
ct_module *ct_nn_instance_norm2d_ex(int64_t num_features, ct_nn_norm_opts o);
ct_module *ct_nn_instance_norm3d_ex(int64_t num_features, ct_nn_norm_opts o);
#define ct_nn_instance_norm1d(n, ...) ct_nn_instance_norm1d_ex(n, CT_NN_INSTANCE_NORM_OPTS(__VA_ARGS__))
#define ct_nn_instance_norm2d(n, ...) ct_nn_instance_norm2d_ex(n, CT_NN_INSTANCE_NORM_OPTS(__VA_ARGS__))
#define ct_nn_instance_norm3d(n, ...) ct_nn_instance_norm3d_ex(n, CT_NN_INSTANCE_NORM_OPTS(__VA_ARGS__))
/* nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, dtype=None) */
typedef struct ct_nn_group_norm_opts {
  double eps;  /* 1e-5 */
  bool affine; /* true (LayerNorm: elementwise_affine) */
  ct_dtype dtype;
} ct_nn_group_norm_opts;
#define CT_NN_GROUP_NORM_OPTS(...) \
  CT_OPTS(ct_nn_group_norm_opts, .eps = 1e-5, .affine = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
ct_module *ct_nn_group_norm_ex(int64_t num_groups, int64_t num_channels, ct_nn_group_norm_opts o);
#define ct_nn_group_norm(g, c, ...) ct_nn_group_norm_ex(g, c, CT_NN_GROUP_NORM_OPTS(__VA_ARGS__))
/* nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, dtype=None):
 * ct_nn_layer_norm(CT_INTS(4, 5), .affine = false). */
ct_module *ct_nn_layer_norm_ex(ct_ints normalized_shape, ct_nn_group_norm_opts o);
#define ct_nn_layer_norm(shape, ...) ct_nn_layer_norm_ex(shape, CT_NN_GROUP_NORM_OPTS(__VA_ARGS__))
/* nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0) */
ct_module *ct_nn_local_response_norm_ex(int64_t size, ct_local_response_norm_opts o);
#define ct_nn_local_response_norm(size, ...)                                                 \
  ct_nn_local_response_norm_ex(size, CT_OPTS(ct_local_response_norm_opts, .alpha = 1e-4,    \
                                             .beta = 0.75, .k = 1.0, __VA_ARGS__))

/* Keywords of the pooling modules (each takes those its PyTorch class takes). */
typedef struct ct_nn_pool_opts {
  ct_ints stride;           /* None: kernel_size */
  ct_ints padding;          /* 0 */
  ct_ints dilation;         /* 1 (MaxPool) */
  bool return_indices;      /* MaxPool, AdaptiveMaxPool, FractionalMaxPool: two outputs */
  bool ceil_mode;           /* false */
  bool count_include_pad;   /* AvgPool: true */
  int64_t divisor_override; /* AvgPool2d/3d: CT_NONE */
  ct_ints output_size;      /* FractionalMaxPool (or output_ratio) */
  double output_ratio[3];   /* FractionalMaxPool: 0 = not given; a zero [j > 0] repeats [0] */
  const ct_tensor *random_samples; /* FractionalMaxPool's _random_samples: NULL, or (N, C, 2|3)
                                    * in [0, 1) for every forward (registered as a buffer) */
} ct_nn_pool_opts;
#define CT_NN_POOL_OPTS(...) \
  CT_OPTS(ct_nn_pool_opts, .count_include_pad = true, .divisor_override = CT_NONE, __VA_ARGS__)
/* nn.MaxPool1d/2d/3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
 * ceil_mode=False) */
ct_module *ct_nn_max_pool1d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_max_pool2d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_max_pool3d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
/* nn.MaxUnpool1d/2d/3d(kernel_size, stride=None, padding=0); forward(input, indices,
 * output_size=None). */
ct_module *ct_nn_max_unpool1d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_max_unpool2d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_max_unpool3d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
/* nn.AvgPool1d/2d/3d(kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None (2d/3d)) */
ct_module *ct_nn_avg_pool1d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_avg_pool2d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_avg_pool3d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
/* nn.FractionalMaxPool2d/3d(kernel_size, output_size=None, output_ratio=None,
 * return_indices=False, _random_samples=None): windows drawn from the default generator at
 * each forward, or placed by random_samples. */
ct_module *ct_nn_fractional_max_pool2d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_fractional_max_pool3d_ex(ct_ints kernel_size, ct_nn_pool_opts o);
/* nn.LPPool1d/2d(norm_type, kernel_size, stride=None, ceil_mode=False) */
ct_module *ct_nn_lp_pool1d_ex(double norm_type, ct_ints kernel_size, ct_nn_pool_opts o);
ct_module *ct_nn_lp_pool2d_ex(double norm_type, ct_ints kernel_size, ct_nn_pool_opts o);
#define ct_nn_max_pool1d(k, ...) ct_nn_max_pool1d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_max_pool2d(k, ...) ct_nn_max_pool2d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_max_pool3d(k, ...) ct_nn_max_pool3d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_max_unpool1d(k, ...) ct_nn_max_unpool1d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_max_unpool2d(k, ...) ct_nn_max_unpool2d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_max_unpool3d(k, ...) ct_nn_max_unpool3d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_avg_pool1d(k, ...) ct_nn_avg_pool1d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_avg_pool2d(k, ...) ct_nn_avg_pool2d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_avg_pool3d(k, ...) ct_nn_avg_pool3d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_fractional_max_pool2d(k, ...) ct_nn_fractional_max_pool2d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_fractional_max_pool3d(k, ...) ct_nn_fractional_max_pool3d_ex(k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_lp_pool1d(p, k, ...) ct_nn_lp_pool1d_ex(p, k, CT_NN_POOL_OPTS(__VA_ARGS__))
#define ct_nn_lp_pool2d(p, k, ...) ct_nn_lp_pool2d_ex(p, k, CT_NN_POOL_OPTS(__VA_ARGS__))
/* nn.AdaptiveAvgPool1d/2d/3d(output_size) (a CT_NONE entry keeps that input size) and
 * nn.AdaptiveMaxPool1d/2d/3d(output_size, return_indices=False). */
ct_module *ct_nn_adaptive_avg_pool1d(ct_ints output_size);
ct_module *ct_nn_adaptive_avg_pool2d(ct_ints output_size);
ct_module *ct_nn_adaptive_avg_pool3d(ct_ints output_size);
ct_module *ct_nn_adaptive_max_pool1d(ct_ints output_size, bool return_indices);
ct_module *ct_nn_adaptive_max_pool2d(ct_ints output_size, bool return_indices);
ct_module *ct_nn_adaptive_max_pool3d(ct_ints output_size, bool return_indices);

/* nn.Dropout / Dropout1d / Dropout2d / Dropout3d / AlphaDropout / FeatureAlphaDropout(p=0.5,
 * inplace=False): identity in eval. p outside [0, 1]: PyTorch's ValueError, NULL. */
ct_module *ct_nn_dropout(double p, bool inplace);
ct_module *ct_nn_dropout1d(double p, bool inplace);
ct_module *ct_nn_dropout2d(double p, bool inplace);
ct_module *ct_nn_dropout3d(double p, bool inplace);
ct_module *ct_nn_alpha_dropout(double p, bool inplace);
ct_module *ct_nn_feature_alpha_dropout(double p, bool inplace);

/* Keywords of nn.Embedding / nn.EmbeddingBag (and their from_pretrained). */
typedef struct ct_nn_embedding_opts {
  int64_t padding_idx;      /* CT_NONE */
  double max_norm;          /* NaN: None */
  double norm_type;         /* 2.0 */
  bool scale_grad_by_freq;  /* false */
  bool sparse;              /* false (true: sparse COO weight gradients) */
  ct_bag_mode mode;         /* EmbeddingBag: CT_BAG_MEAN */
  bool include_last_offset; /* EmbeddingBag: false */
  ct_dtype dtype;
} ct_nn_embedding_opts;
#define CT_NN_EMBEDDING_OPTS(...)                                                       \
  CT_OPTS(ct_nn_embedding_opts, .padding_idx = CT_NONE, .max_norm = __builtin_nan(""), \
          .norm_type = 2.0, .mode = CT_BAG_MEAN, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
 * scale_grad_by_freq=False, sparse=False, dtype=None): weight ~ N(0, 1), padding row zeroed. */
ct_module *ct_nn_embedding_ex(int64_t num_embeddings, int64_t embedding_dim, ct_nn_embedding_opts o);
#define ct_nn_embedding(num, dim, ...) ct_nn_embedding_ex(num, dim, CT_NN_EMBEDDING_OPTS(__VA_ARGS__))
/* nn.Embedding.from_pretrained(embeddings, freeze=True, ...): the weight shares embeddings'
 * data; freeze: it does not require grad. */
ct_module *ct_nn_embedding_from_pretrained_ex(const ct_tensor *embeddings, bool freeze, ct_nn_embedding_opts o);
#define ct_nn_embedding_from_pretrained(emb, freeze, ...) \
  ct_nn_embedding_from_pretrained_ex(emb, freeze, CT_NN_EMBEDDING_OPTS(__VA_ARGS__))
/* nn.EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
 * scale_grad_by_freq=False, mode='mean', sparse=False, include_last_offset=False,
 * padding_idx=None, dtype=None); forward(input, offsets=None, per_sample_weights=None). */
ct_module *ct_nn_embedding_bag_ex(int64_t num_embeddings, int64_t embedding_dim, ct_nn_embedding_opts o);
#define ct_nn_embedding_bag(num, dim, ...) ct_nn_embedding_bag_ex(num, dim, CT_NN_EMBEDDING_OPTS(__VA_ARGS__))
ct_module *ct_nn_embedding_bag_from_pretrained_ex(const ct_tensor *embeddings, bool freeze, ct_nn_embedding_opts o);
#define ct_nn_embedding_bag_from_pretrained(emb, freeze, ...) \
  ct_nn_embedding_bag_from_pretrained_ex(emb, freeze, CT_NN_EMBEDDING_OPTS(__VA_ARGS__))
/* ---- activation, shuffle, distance and padding modules ----
 * Over the F.<name> functions; `inplace` (where PyTorch's module has it) makes forward write
 * into its input and return it. Printed as PyTorch prints them: numbers of the C
 * constructors print as Python floats ("alpha=1.0"), except where PyTorch's default is an int
 * (Softplus(beta=1, threshold=20)); the registry keeps what it was given. */
/* nn.ReLU6(inplace=False) */
ct_module *ct_nn_relu6(bool inplace);
/* nn.RReLU(lower=1/8, upper=1/3, inplace=False): random slopes in train mode, PyTorch's draws */
typedef struct ct_nn_rrelu_opts {
  double lower, upper;
  bool inplace;
} ct_nn_rrelu_opts;
ct_module *ct_nn_rrelu_ex(ct_nn_rrelu_opts o);
#define ct_nn_rrelu(...) \
  ct_nn_rrelu_ex(CT_OPTS(ct_nn_rrelu_opts, .lower = 1.0 / 8, .upper = 1.0 / 3, __VA_ARGS__))
/* nn.LeakyReLU(negative_slope=0.01, inplace=False) */
typedef struct ct_nn_leaky_relu_opts {
  double negative_slope;
  bool inplace;
} ct_nn_leaky_relu_opts;
ct_module *ct_nn_leaky_relu_ex(ct_nn_leaky_relu_opts o);
#define ct_nn_leaky_relu(...) \
  ct_nn_leaky_relu_ex(CT_OPTS(ct_nn_leaky_relu_opts, .negative_slope = 0.01, __VA_ARGS__))
/* nn.PReLU(num_parameters=1, init=0.25, dtype=None): a "weight" parameter of num_parameters
 * slopes, filled with init */
typedef struct ct_nn_prelu_opts {
  int64_t num_parameters;
  double init;
  ct_dtype dtype;
} ct_nn_prelu_opts;
ct_module *ct_nn_prelu_ex(ct_nn_prelu_opts o);
#define ct_nn_prelu(...)                                                                   \
  ct_nn_prelu_ex(CT_OPTS(ct_nn_prelu_opts, .num_parameters = 1, .init = 0.25,              \
                         .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* nn.ELU(alpha=1.0, inplace=False) and nn.CELU(alpha=1.0, inplace=False) */
typedef struct ct_nn_elu_opts {
  double alpha;
  bool inplace;
} ct_nn_elu_opts;
ct_module *ct_nn_elu_ex(ct_nn_elu_opts o);
ct_module *ct_nn_celu_ex(ct_nn_elu_opts o);
#define ct_nn_elu(...) ct_nn_elu_ex(CT_OPTS(ct_nn_elu_opts, .alpha = 1.0, __VA_ARGS__))
#define ct_nn_celu(...) ct_nn_celu_ex(CT_OPTS(ct_nn_elu_opts, .alpha = 1.0, __VA_ARGS__))
/* nn.SELU(inplace=False), nn.Mish(inplace=False), nn.Hardsigmoid(inplace=False),
 * nn.Hardswish(inplace=False) */
ct_module *ct_nn_selu(bool inplace);
ct_module *ct_nn_mish(bool inplace);
ct_module *ct_nn_hardsigmoid(bool inplace);
ct_module *ct_nn_hardswish(bool inplace);
/* nn.Hardtanh(min_val=-1.0, max_val=1.0, inplace=False); max_val must exceed min_val */
typedef struct ct_nn_hardtanh_opts {
  double min_val, max_val;
  bool inplace;
} ct_nn_hardtanh_opts;
ct_module *ct_nn_hardtanh_ex(ct_nn_hardtanh_opts o);
#define ct_nn_hardtanh(...) \
  ct_nn_hardtanh_ex(CT_OPTS(ct_nn_hardtanh_opts, .min_val = -1.0, .max_val = 1.0, __VA_ARGS__))
/* nn.Softplus(beta=1, threshold=20) */
ct_module *ct_nn_softplus_ex(ct_softplus_opts o);
#define ct_nn_softplus(...) ct_nn_softplus_ex(CT_SOFTPLUS_OPTS(__VA_ARGS__))
/* nn.Softsign(), nn.Tanhshrink(), nn.LogSigmoid(), nn.Softmax2d() (softmax over dim -3 of a
 * 3-D or 4-D input) */
ct_module *ct_nn_softsign(void);
ct_module *ct_nn_tanhshrink(void);
ct_module *ct_nn_logsigmoid(void);
ct_module *ct_nn_softmax2d(void);
/* nn.Softshrink(lambd=0.5), nn.Hardshrink(lambd=0.5) */
ct_module *ct_nn_softshrink(double lambd);
ct_module *ct_nn_hardshrink(double lambd);
/* nn.Threshold(threshold, value, inplace=False) */
ct_module *ct_nn_threshold(double threshold, double value, bool inplace);
/* nn.GLU(dim=-1) */
ct_module *ct_nn_glu(int64_t dim);
/* nn.Softmin(dim=None) (CT_NONE: Softmax's legacy choice of dim) */
ct_module *ct_nn_softmin(int64_t dim);
/* nn.PixelShuffle(upscale_factor), nn.PixelUnshuffle(downscale_factor), nn.ChannelShuffle(groups) */
ct_module *ct_nn_pixel_shuffle(int64_t upscale_factor);
ct_module *ct_nn_pixel_unshuffle(int64_t downscale_factor);
ct_module *ct_nn_channel_shuffle(int64_t groups);
/* nn.PairwiseDistance(p=2., eps=1e-6, keepdim=False): forward(x1, x2) (ct_forward(m, x1, x2)) */
ct_module *ct_nn_pairwise_distance_ex(ct_pairwise_distance_opts o);
#define ct_nn_pairwise_distance(...) ct_nn_pairwise_distance_ex(CT_PAIRWISE_DISTANCE_OPTS(__VA_ARGS__))
/* nn.CosineSimilarity(dim=1, eps=1e-8): forward(x1, x2) */
ct_module *ct_nn_cosine_similarity_ex(ct_cosine_similarity_opts o);
#define ct_nn_cosine_similarity(...) \
  ct_nn_cosine_similarity_ex(CT_COSINE_SIMILARITY_OPTS(__VA_ARGS__))
/* The padding modules over F.pad: padding is an int (CT_INTS(2): the same on every side of the
 * last 1, 2 or 3 dims) or the (left, right, top, bottom, front, back) tuple. */
ct_module *ct_nn_constant_pad1d(ct_ints padding, double value);
ct_module *ct_nn_constant_pad2d(ct_ints padding, double value);
ct_module *ct_nn_constant_pad3d(ct_ints padding, double value);
ct_module *ct_nn_reflection_pad1d(ct_ints padding);
ct_module *ct_nn_reflection_pad2d(ct_ints padding);
ct_module *ct_nn_reflection_pad3d(ct_ints padding);
ct_module *ct_nn_replication_pad1d(ct_ints padding);
ct_module *ct_nn_replication_pad2d(ct_ints padding);
ct_module *ct_nn_replication_pad3d(ct_ints padding);
/* nn.ZeroPad2d(padding): ConstantPad2d(padding, 0.) */
ct_module *ct_nn_zero_pad2d(ct_ints padding);

/* ---- nn.utils ----
 * weight_norm / spectral_norm replace the parameter `name` by parameters (and buffers) from
 * which a forward pre-hook recomputes it before every forward, as PyTorch's hooks do; the
 * module's kind reads the computed tensor through its usual pointer (linear->weight). Each
 * returns m, or NULL + PyTorch's message with m unchanged. */
/* torch.nn.utils.parameters_to_vector(params): one 1-D tensor (CatBackward0). */
ct_tensor *ct_nn_utils_parameters_to_vector(ct_tensor *const *params, int n);
/* torch.nn.utils.vector_to_parameters(vec, params): the values copied into the parameters in
 * order (no grad); 0 or -1 (vec too short: nothing changed). */
int ct_nn_utils_vector_to_parameters(const ct_tensor *vec, ct_tensor *const *params, int n);
/* torch.nn.utils.weight_norm(m, name='weight', dim=0): parameters name_g (norm_except_dim)
 * and name_v; dim CT_NONE (or -1): one norm over the whole tensor. NULL name: "weight". */
ct_module *ct_nn_utils_weight_norm(ct_module *m, const char *name, int64_t dim);
/* torch.nn.utils.remove_weight_norm(m, name='weight'): name becomes a parameter again. */
ct_module *ct_nn_utils_remove_weight_norm(ct_module *m, const char *name);
/* torch.nn.utils.spectral_norm(m, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
 * parameter name_orig, buffers name_u / name_v (PyTorch's normal_ draws, normalized); in train
 * mode each forward runs the power iteration on them. dim CT_NONE: 1 for ConvTranspose*, else 0. */
typedef struct ct_nn_utils_spectral_norm_opts {
  const char *name;
  int64_t n_power_iterations;
  double eps;
  int64_t dim;
} ct_nn_utils_spectral_norm_opts;
ct_module *ct_nn_utils_spectral_norm_ex(ct_module *m, ct_nn_utils_spectral_norm_opts o);
#define ct_nn_utils_spectral_norm(m, ...)                                                    \
  ct_nn_utils_spectral_norm_ex(m, CT_OPTS(ct_nn_utils_spectral_norm_opts, .name = "weight", \
                                          .n_power_iterations = 1, .eps = 1e-12,             \
                                          .dim = CT_NONE, __VA_ARGS__))
/* torch.nn.utils.remove_spectral_norm(m, name='weight') */
ct_module *ct_nn_utils_remove_spectral_norm(ct_module *m, const char *name);

/* torch.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=False): a deep copy of conv (either
 * Conv or ConvTranspose) with bn's running stats and affine parameters folded into its weight
 * and bias (a conv without bias gets one); both modules must be in eval mode ("Fusion only for
 * eval!"). transpose: bn's channels are the weight's dim 1 (a ConvTranspose). The caller owns
 * the new module (ct_module_free); NULL + error. */
ct_module *ct_nn_utils_fuse_conv_bn_eval(const ct_module *conv, const ct_module *bn, bool transpose);
/* torch.nn.utils.fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b,
 * transpose=False): *fused_w, *fused_b new leaf parameters (requires_grad) in the caller's
 * scope; conv_b, bn_w, bn_b may be NULL (None). 0, or -1 + error with both NULL. */
int ct_nn_utils_fuse_conv_bn_weights(const ct_tensor *conv_w, const ct_tensor *conv_b, const ct_tensor *bn_rm,
                                     const ct_tensor *bn_rv, double bn_eps, const ct_tensor *bn_w,
                                     const ct_tensor *bn_b, bool transpose, ct_tensor **fused_w,
                                     ct_tensor **fused_b);
/* torch.nn.utils.fuse_linear_bn_eval(linear, bn): a deep copy of the Linear with the
 * BatchNorm's running stats and affine parameters folded into its weight and bias (a Linear
 * without bias gets one); both in eval mode. The caller owns it; NULL + error. */
ct_module *ct_nn_utils_fuse_linear_bn_eval(const ct_module *linear, const ct_module *bn);
/* torch.nn.utils.fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
 * *fused_w, *fused_b new leaf parameters in the caller's scope; linear_b may be NULL (None),
 * bn_w / bn_b may not (PyTorch's TypeError). 0, or -1 + error with both NULL. */
int ct_nn_utils_fuse_linear_bn_weights(const ct_tensor *linear_w, const ct_tensor *linear_b,
                                       const ct_tensor *bn_rm, const ct_tensor *bn_rv, double bn_eps,
                                       const ct_tensor *bn_w, const ct_tensor *bn_b,
                                       ct_tensor **fused_w, ct_tensor **fused_b);

/* ---- nn.utils: gradient clipping (torch/nn/utils/clip_grad.py) ----
 * On a list of parameters (a parameter whose .grad is None is skipped) or on a module's
 * parameters (named_parameters(), each once). The gradients are changed in place, under
 * no-grad; on an error nothing is changed. */
typedef struct ct_nn_utils_clip_grad_norm_opts {
  double norm_type;        /* 2.0; INFINITY for 'inf'; any p (0: nonzero count, -INFINITY: min) */
  bool error_if_nonfinite; /* 1.13's default False: a NaN / inf norm scales the grads anyway */
  bool foreach;            /* ignored: 1.13 has no foreach here (PyTorch 2.0's keyword) */
} ct_nn_utils_clip_grad_norm_opts;
/* torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
 * the total norm (a 0-dim tensor of the gradients' dtype in the current scope; no gradient at
 * all: torch.tensor(0.)), each grad multiplied by min(max_norm / (total + 1e-6), 1) as 1.13
 * computes it. NULL + PyTorch's message ("The total norm of order 2.0 for gradients from
 * `parameters` is non-finite, ...") with the gradients unchanged. */
ct_tensor *ct_nn_utils_clip_grad_norm__ex(ct_tensor *const *params, int n, double max_norm,
                                          ct_nn_utils_clip_grad_norm_opts o);
#define ct_nn_utils_clip_grad_norm_(params, n, max_norm, ...)                                   \
  ct_nn_utils_clip_grad_norm__ex(params, n, max_norm,                                          \
                                 CT_OPTS(ct_nn_utils_clip_grad_norm_opts, .norm_type = 2.0, __VA_ARGS__))
/* clip_grad_norm_(model.parameters(), max_norm, ...) */
ct_tensor *ct_nn_utils_clip_grad_norm_module__ex(ct_module *m, double max_norm,
                                                 ct_nn_utils_clip_grad_norm_opts o);
#define ct_nn_utils_clip_grad_norm_module_(m, max_norm, ...) \
  ct_nn_utils_clip_grad_norm_module__ex(m, max_norm,         \
                                        CT_OPTS(ct_nn_utils_clip_grad_norm_opts, .norm_type = 2.0, __VA_ARGS__))
/* torch.nn.utils.clip_grad_value_(parameters, clip_value): each grad clamped to
 * [-clip_value, clip_value] (a negative clip_value sets every element to it, as clamp does).
 * 0 or -1. */
int ct_nn_utils_clip_grad_value_(ct_tensor *const *params, int n, double clip_value);
/* clip_grad_value_(model.parameters(), clip_value) */
int ct_nn_utils_clip_grad_value_module_(ct_module *m, double clip_value);

/* ---- resampling layers ------------------------------------------------------------------------ */
/* Keywords of nn.Upsample: size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None (the two optional bools: -1 for None, 0 or 1). A scalar
 * scale_factor of 0 is None, as PyTorch's `float(scale_factor) if scale_factor else None`. */
typedef struct ct_nn_upsample_opts {
  ct_ints size;           /* n == 0: None */
  ct_floats scale_factor; /* n == 0: None */
  ct_interp_mode mode;    /* CT_INTERP_NEAREST */
  int align_corners;      /* -1: None */
  int recompute_scale_factor; /* -1: None */
} ct_nn_upsample_opts;
#define CT_NN_UPSAMPLE_OPTS(...) \
  CT_OPTS(ct_nn_upsample_opts, .align_corners = -1, .recompute_scale_factor = -1, __VA_ARGS__)
/* nn.Upsample(...): F.interpolate with the stored arguments at each forward (its checks and
 * messages then): ct_nn_upsample(.scale_factor = CT_FLOATS(2), .mode = CT_INTERP_BILINEAR). */
ct_module *ct_nn_upsample_ex(ct_nn_upsample_opts o);
#define ct_nn_upsample(...) ct_nn_upsample_ex(CT_NN_UPSAMPLE_OPTS(__VA_ARGS__))
/* nn.UpsamplingNearest2d(size=None, scale_factor=None) (mode='nearest') and
 * nn.UpsamplingBilinear2d(size=None, scale_factor=None) (mode='bilinear', align_corners=True);
 * a zeroed argument is None. */
ct_module *ct_nn_upsampling_nearest2d(ct_ints size, ct_floats scale_factor);
ct_module *ct_nn_upsampling_bilinear2d(ct_ints size, ct_floats scale_factor);
/* nn.Unfold(kernel_size, dilation=1, padding=0, stride=1) and nn.Fold(output_size,
 * kernel_size, dilation=1, padding=0, stride=1): F.unfold / F.fold at each forward. */
ct_module *ct_nn_unfold_ex(ct_ints kernel_size, ct_fold_opts o);
ct_module *ct_nn_fold_ex(ct_ints output_size, ct_ints kernel_size, ct_fold_opts o);
#define ct_nn_unfold(k, ...) ct_nn_unfold_ex(k, CT_OPTS(ct_fold_opts, __VA_ARGS__))
#define ct_nn_fold(os, k, ...) ct_nn_fold_ex(os, k, CT_OPTS(ct_fold_opts, __VA_ARGS__))

/* ---- losses: margin ---- */
/* The margin losses as modules: forward(input1, input2, target) / forward(input, target) /
 * forward(anchor, positive, negative) through ct_forward(m, ...), the F.* function with the
 * stored options. Constructors take the functional options (defaults as PyTorch's); the
 * registry builders read size_average / reduce / reduction at PyTorch's positions. */
/* nn.MarginRankingLoss(margin=0.0, reduction='mean') */
ct_module *ct_nn_margin_ranking_loss_ex(ct_margin_ranking_loss_opts o);
#define ct_nn_margin_ranking_loss(...) \
  ct_nn_margin_ranking_loss_ex(CT_OPTS(ct_margin_ranking_loss_opts, __VA_ARGS__))
/* nn.HingeEmbeddingLoss(margin=1.0, reduction='mean') */
ct_module *ct_nn_hinge_embedding_loss_ex(ct_hinge_embedding_loss_opts o);
#define ct_nn_hinge_embedding_loss(...) ct_nn_hinge_embedding_loss_ex(CT_HINGE_EMBEDDING_LOSS_OPTS(__VA_ARGS__))
/* nn.CosineEmbeddingLoss(margin=0.0, reduction='mean') */
ct_module *ct_nn_cosine_embedding_loss_ex(ct_cosine_embedding_loss_opts o);
#define ct_nn_cosine_embedding_loss(...) \
  ct_nn_cosine_embedding_loss_ex(CT_OPTS(ct_cosine_embedding_loss_opts, __VA_ARGS__))
/* nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean') */
ct_module *ct_nn_triplet_margin_loss_ex(ct_triplet_margin_loss_opts o);
#define ct_nn_triplet_margin_loss(...) ct_nn_triplet_margin_loss_ex(CT_TRIPLET_MARGIN_LOSS_OPTS(__VA_ARGS__))
/* nn.TripletMarginWithDistanceLoss(*, distance_function=None, margin=1.0, swap=False,
 * reduction='mean'): without a callback the distance is a child nn.PairwiseDistance() named
 * distance_function (printed as PyTorch prints it); with one, the callback and its user data
 * (kept as given, not owned). */
ct_module *ct_nn_triplet_margin_with_distance_loss_ex(ct_triplet_margin_with_distance_loss_opts o);
#define ct_nn_triplet_margin_with_distance_loss(...) \
  ct_nn_triplet_margin_with_distance_loss_ex(CT_TRIPLET_MARGIN_WITH_DISTANCE_LOSS_OPTS(__VA_ARGS__))
/* nn.MultiMarginLoss(p=1, margin=1.0, weight=None, reduction='mean'): weight (retained) is the
 * buffer "weight" (in state_dict, moved by ct_module_to); p other than 1 or 2 is refused. */
ct_module *ct_nn_multi_margin_loss_ex(ct_multi_margin_loss_opts o);
#define ct_nn_multi_margin_loss(...) ct_nn_multi_margin_loss_ex(CT_MULTI_MARGIN_LOSS_OPTS(__VA_ARGS__))
/* nn.MultiLabelMarginLoss(reduction='mean') */
ct_module *ct_nn_multilabel_margin_loss_ex(ct_multilabel_margin_loss_opts o);
#define ct_nn_multilabel_margin_loss(...) \
  ct_nn_multilabel_margin_loss_ex(CT_OPTS(ct_multilabel_margin_loss_opts, __VA_ARGS__))

/* nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0,
 * head_bias=False, dtype=None): children head = Linear(in_features, cutoffs[0] + n_clusters,
 * bias=head_bias) and tail = ModuleList of Sequential(Linear(in_features, hsz, bias=False),
 * Linear(hsz, osz, bias=False)) per cluster, hsz = in_features // div_value ** (i + 1),
 * initialised draw for draw as PyTorch's; cutoffs (at most CT_MAX_DIMS) sorted, unique, in
 * [1, n_classes - 1] or PyTorch's ValueError message. */
typedef struct ct_nn_adaptive_log_softmax_opts {
  double div_value; /* 4.0 */
  bool head_bias;   /* false */
  ct_dtype dtype;   /* CT_DTYPE_UNSET: the default dtype */
} ct_nn_adaptive_log_softmax_opts;
#define CT_NN_ADAPTIVE_LOG_SOFTMAX_OPTS(...) \
  CT_OPTS(ct_nn_adaptive_log_softmax_opts, .div_value = 4.0, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
ct_module *ct_nn_adaptive_log_softmax_with_loss_ex(int64_t in_features, int64_t n_classes, ct_ints cutoffs,
                                                   ct_nn_adaptive_log_softmax_opts o);
#define ct_nn_adaptive_log_softmax_with_loss(in_features, n_classes, cutoffs, ...) \
  ct_nn_adaptive_log_softmax_with_loss_ex(in_features, n_classes, cutoffs,      \
                                          CT_NN_ADAPTIVE_LOG_SOFTMAX_OPTS(__VA_ARGS__))
/* Its forward's _ASMoutput(output, loss): output (N,) (0-dim for an unbatched input) the
 * log-probability of each target, loss = (-output).mean(). Both NULL on error. */
typedef struct ct_asm_output {
  ct_tensor *output, *loss;
} ct_asm_output;
/* AdaptiveLogSoftmaxWithLoss(input, target): through ct_module_call (hooks run), so its two
 * outputs are also what ct_module_call gives; (N, in_features) with (N,) int64 targets or
 * (in_features,) with a 0-dim one. */
ct_asm_output ct_nn_adaptive_log_softmax_forward(ct_module *m, const ct_tensor *input, const ct_tensor *target);
/* .log_prob(input): (N, n_classes) log-probabilities of every class. */
ct_tensor *ct_nn_adaptive_log_softmax_log_prob(ct_module *m, const ct_tensor *input);
/* .predict(input): (N,) int64, the most probable class of each row. */
ct_tensor *ct_nn_adaptive_log_softmax_predict(ct_module *m, const ct_tensor *input);
/* ---- losses: regression and binary ---- */
/* The loss modules over the functions of functional.h's "losses: regression and binary" block,
 * with the same options: forward(input, target) (GaussianNLLLoss: (input, target, var)),
 * ct_forward(m, x, y). Printed as PyTorch prints them (no extra_repr). A weight / pos_weight
 * given is registered as a buffer of PyTorch's name ("weight", "pos_weight"), so it is in
 * state_dict and moves with ct_module_to. */
ct_module *ct_nn_l1_loss_ex(ct_l1_loss_opts o);
#define ct_nn_l1_loss(...) ct_nn_l1_loss_ex(CT_OPTS(ct_l1_loss_opts, __VA_ARGS__))
ct_module *ct_nn_mse_loss_ex(ct_mse_loss_opts o);
#define ct_nn_mse_loss(...) ct_nn_mse_loss_ex(CT_OPTS(ct_mse_loss_opts, __VA_ARGS__))
ct_module *ct_nn_smooth_l1_loss_ex(ct_smooth_l1_loss_opts o);
#define ct_nn_smooth_l1_loss(...) ct_nn_smooth_l1_loss_ex(CT_SMOOTH_L1_LOSS_OPTS(__VA_ARGS__))
ct_module *ct_nn_huber_loss_ex(ct_huber_loss_opts o);
#define ct_nn_huber_loss(...) ct_nn_huber_loss_ex(CT_HUBER_LOSS_OPTS(__VA_ARGS__))
ct_module *ct_nn_soft_margin_loss_ex(ct_soft_margin_loss_opts o);
#define ct_nn_soft_margin_loss(...) ct_nn_soft_margin_loss_ex(CT_OPTS(ct_soft_margin_loss_opts, __VA_ARGS__))
ct_module *ct_nn_bce_loss_ex(ct_binary_cross_entropy_opts o);
#define ct_nn_bce_loss(...) ct_nn_bce_loss_ex(CT_OPTS(ct_binary_cross_entropy_opts, __VA_ARGS__))
ct_module *ct_nn_bce_with_logits_loss_ex(ct_binary_cross_entropy_with_logits_opts o);
#define ct_nn_bce_with_logits_loss(...) \
  ct_nn_bce_with_logits_loss_ex(CT_OPTS(ct_binary_cross_entropy_with_logits_opts, __VA_ARGS__))
ct_module *ct_nn_kl_div_loss_ex(ct_kl_div_opts o);
#define ct_nn_kl_div_loss(...) ct_nn_kl_div_loss_ex(CT_OPTS(ct_kl_div_opts, __VA_ARGS__))
ct_module *ct_nn_poisson_nll_loss_ex(ct_poisson_nll_loss_opts o);
#define ct_nn_poisson_nll_loss(...) ct_nn_poisson_nll_loss_ex(CT_POISSON_NLL_LOSS_OPTS(__VA_ARGS__))
ct_module *ct_nn_gaussian_nll_loss_ex(ct_gaussian_nll_loss_opts o);
#define ct_nn_gaussian_nll_loss(...) ct_nn_gaussian_nll_loss_ex(CT_GAUSSIAN_NLL_LOSS_OPTS(__VA_ARGS__))
ct_module *ct_nn_multilabel_soft_margin_loss_ex(ct_multilabel_soft_margin_loss_opts o);
#define ct_nn_multilabel_soft_margin_loss(...) \
  ct_nn_multilabel_soft_margin_loss_ex(CT_OPTS(ct_multilabel_soft_margin_loss_opts, __VA_ARGS__))
/* ---- losses: classification (CrossEntropyLoss, NLLLoss, CTCLoss) ---- */
/* nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0):
 * forward(input, target) (ct_forward(m, input, target)) is F.cross_entropy; weight is the
 * buffer "weight". The registry also takes the legacy size_average / reduce. */
ct_module *ct_nn_cross_entropy_loss_ex(ct_cross_entropy_opts o);
#define ct_nn_cross_entropy_loss(...) \
  ct_nn_cross_entropy_loss_ex(CT_OPTS(ct_cross_entropy_opts, .ignore_index = -100, __VA_ARGS__))
/* nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean'): forward(input, target) is
 * F.nll_loss; weight is the buffer "weight". */
ct_module *ct_nn_nll_loss_ex(ct_nll_loss_opts o);
#define ct_nn_nll_loss(...) \
  ct_nn_nll_loss_ex(CT_OPTS(ct_nll_loss_opts, .ignore_index = -100, __VA_ARGS__))
/* nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False): forward(log_probs, targets,
 * input_lengths, target_lengths) is F.ctc_loss; the lengths as tensors (ct_forward with four
 * tensors) or as int tuples through ct_module_call. */
ct_module *ct_nn_ctc_loss_ex(ct_ctc_loss_opts o);
#define ct_nn_ctc_loss(...) ct_nn_ctc_loss_ex(CT_OPTS(ct_ctc_loss_opts, __VA_ARGS__))

/* ---- the Lazy layers: ConvTranspose, BatchNorm, InstanceNorm ---- */
/* nn.LazyConvTranspose1d/2d/3d(out_channels, kernel_size, stride=1, padding=0,
 * output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros', dtype=None):
 * ConvTranspose*d's keywords without in_channels, taken from the first input's size(1)
 * (size(0) unbatched); that forward (output_size as ConvTranspose*d's) turns it into a
 * ConvTranspose*d. Before it, (0,) placeholder parameters, printed as
 * LazyConvTranspose2d(0, out, ...). */
ct_module *ct_nn_lazy_conv_transpose1d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_lazy_conv_transpose2d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
ct_module *ct_nn_lazy_conv_transpose3d_ex(int64_t out_channels, ct_ints kernel_size, ct_nn_conv_opts o);
#define ct_nn_lazy_conv_transpose1d(out, k, ...) \
  ct_nn_lazy_conv_transpose1d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_lazy_conv_transpose2d(out, k, ...) \
  ct_nn_lazy_conv_transpose2d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
#define ct_nn_lazy_conv_transpose3d(out, k, ...) \
  ct_nn_lazy_conv_transpose3d_ex(out, k, CT_NN_CONV_OPTS(__VA_ARGS__))
/* nn.LazyBatchNorm1d/2d/3d and nn.LazyInstanceNorm1d/2d/3d(eps=1e-5, momentum=0.1,
 * affine=True, track_running_stats=True, dtype=None): num_features from the first input's
 * size(1) (an unbatched instance-norm input too, as PyTorch 1.13 does); that forward fills
 * weight 1, bias 0, running_mean 0, running_var 1 and turns the module into BatchNorm*d /
 * InstanceNorm*d. Note that PyTorch 1.13's Lazy instance norms default to affine=True and
 * track_running_stats=True (InstanceNorm*d's to False): the macros take the Lazy defaults.
 * Before it, weight, bias, running_mean and running_var are (0,) placeholders (those the
 * options ask for); num_batches_tracked is a real int64 0. Prints as
 * LazyBatchNorm2d(0, eps=1e-05, ...). */
ct_module *ct_nn_lazy_batch_norm1d_ex(ct_nn_norm_opts o);
ct_module *ct_nn_lazy_batch_norm2d_ex(ct_nn_norm_opts o);
ct_module *ct_nn_lazy_batch_norm3d_ex(ct_nn_norm_opts o);
ct_module *ct_nn_lazy_instance_norm1d_ex(ct_nn_norm_opts o);
ct_module *ct_nn_lazy_instance_norm2d_ex(ct_nn_norm_opts o);
ct_module *ct_nn_lazy_instance_norm3d_ex(ct_nn_norm_opts o);
#define ct_nn_lazy_batch_norm1d(...) ct_nn_lazy_batch_norm1d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_lazy_batch_norm2d(...) ct_nn_lazy_batch_norm2d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_lazy_batch_norm3d(...) ct_nn_lazy_batch_norm3d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_lazy_instance_norm1d(...) ct_nn_lazy_instance_norm1d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_lazy_instance_norm2d(...) ct_nn_lazy_instance_norm2d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
#define ct_nn_lazy_instance_norm3d(...) ct_nn_lazy_instance_norm3d_ex(CT_NN_BATCH_NORM_OPTS(__VA_ARGS__))
/* ---- recurrent (RNN, LSTM, GRU, their cells, packed sequences) ----
 * Parameters as PyTorch names them (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0,
 * weight_hr_l0 with proj_size, ..._reverse), gates stacked in its order (LSTM i, f, g, o; GRU
 * r, z, n), initialised uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) draw for draw in
 * its parameter order. Forward through ct_module_call:
 *   RNN / GRU:  (input[, h0])          -> (output, h_n)
 *   LSTM:       (input[, (h0, c0)])    -> (output, (h_n, c_n)), i.e. [out, TUPLE(2), h, c]
 *   RNNCell / GRUCell: (input[, hx]) -> h';  LSTMCell: (input[, (hx, cx)]) -> (h', c')
 * input (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size) unbatched, or
 * a packed sequence: a TUPLE(4) value (data, batch_sizes, sorted_indices, unsorted_indices),
 * the indices None when absent, as PyTorch's PackedSequence namedtuple (ct_values_push_packed);
 * the output is then packed the same way (ct_values_packed reads it back). */
typedef enum ct_rnn_mode { CT_RNN_TANH = 0, CT_RNN_RELU, CT_RNN_LSTM, CT_RNN_GRU } ct_rnn_mode;
typedef struct ct_nn_rnn_opts {
  int64_t num_layers; /* 1 */
  bool bias;          /* true */
  bool batch_first;   /* false */
  double dropout;     /* 0: dropout on each layer's output but the last, in training */
  bool bidirectional; /* false */
  int64_t proj_size;  /* 0 (LSTM only) */
  bool relu;          /* RNN: nonlinearity='relu' (default 'tanh') */
  ct_dtype dtype;     /* CT_DTYPE_UNSET: the default dtype */
} ct_nn_rnn_opts;
#define CT_NN_RNN_OPTS(...) \
  CT_OPTS(ct_nn_rnn_opts, .num_layers = 1, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
 * batch_first=False, dropout=0.0, bidirectional=False, dtype=None) */
ct_module *ct_nn_rnn_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
#define ct_nn_rnn(in, hidden, ...) ct_nn_rnn_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))
/* nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
 * bidirectional=False, proj_size=0, dtype=None) */
ct_module *ct_nn_lstm_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
#define ct_nn_lstm(in, hidden, ...) ct_nn_lstm_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))
/* nn.GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
 * bidirectional=False, dtype=None) */
ct_module *ct_nn_gru_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
#define ct_nn_gru(in, hidden, ...) ct_nn_gru_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))
/* nn.RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', dtype=None),
 * nn.LSTMCell / nn.GRUCell(input_size, hidden_size, bias=True, dtype=None); of the options
 * only bias, relu (RNNCell) and dtype apply. */
ct_module *ct_nn_rnn_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
ct_module *ct_nn_lstm_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
ct_module *ct_nn_gru_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o);
#define ct_nn_rnn_cell(in, hidden, ...) ct_nn_rnn_cell_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))
#define ct_nn_lstm_cell(in, hidden, ...) ct_nn_lstm_cell_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))
#define ct_nn_gru_cell(in, hidden, ...) ct_nn_gru_cell_ex(in, hidden, CT_NN_RNN_OPTS(__VA_ARGS__))

/* One layer in one direction of RNN / LSTM / GRU (what torch._VF.lstm runs per layer and
 * direction): x (T, B, I), or packed data (N, I) with batch_sizes (T,) int64 (NULL for an
 * unpacked x); h0 (B, P) and, LSTM, c0 (B, H), either may be NULL (zeros); weights w_ih
 * (G*H, I), w_hh (G*H, P), biases (G*H) or NULL, w_hr (P, H) or NULL (P = H without it).
 * reverse runs the steps backwards. *out (T, B, P) / (N, P), *h_n (B, P), *c_n (B, H) (LSTM;
 * c_n may be NULL otherwise). One input GEMM for all steps, one GEMM per step, a fused gate
 * kernel; its backward is one BPTT node (grad_fn StackBackward0, the name PyTorch 1.13's CPU
 * LSTM output shows) whose create_graph path differentiates a composed copy of the forward,
 * so double backward works. 0, or -1 + error with the outputs NULL. */
typedef struct ct_rnn_weights {
  const ct_tensor *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;
} ct_rnn_weights;
int ct_rnn_layer(ct_rnn_mode mode, const ct_tensor *x, const ct_tensor *batch_sizes, const ct_tensor *h0,
                 const ct_tensor *c0, ct_rnn_weights w, bool reverse, ct_tensor **out, ct_tensor **h_n,
                 ct_tensor **c_n);

/* torch.nn.utils.rnn.PackedSequence(data, batch_sizes, sorted_indices, unsorted_indices):
 * tensors in the caller's scope; the indices NULL when the batch was sorted already. */
typedef struct ct_packed_sequence {
  ct_tensor *data;             /* (sum of lengths, *) */
  ct_tensor *batch_sizes;      /* (T,) int64 */
  ct_tensor *sorted_indices;   /* (B,) int64, or NULL */
  ct_tensor *unsorted_indices; /* (B,) int64, or NULL */
} ct_packed_sequence;
/* pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True): input
 * (T, B, *) ((B, T, *) batch_first), lengths a 1-D int64 tensor of B entries. data's grad_fn
 * is PackPaddedSequenceBackward0. All NULL + PyTorch's message on error. */
ct_packed_sequence ct_pack_padded_sequence(const ct_tensor *input, const ct_tensor *lengths, bool batch_first,
                                           bool enforce_sorted);
/* pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
 * *padded (T, B, *) (T = total_length when >= 0, else the longest) and *lengths (B,) int64,
 * both in the original batch order. 0, or -1 + error. */
typedef struct ct_pad_packed_opts {
  bool batch_first;     /* false */
  double padding_value; /* 0.0 */
  int64_t total_length; /* -1: None */
} ct_pad_packed_opts;
int ct_pad_packed_sequence_ex(ct_packed_sequence seq, ct_pad_packed_opts o, ct_tensor **padded,
                              ct_tensor **lengths);
#define ct_pad_packed_sequence(seq, padded, lengths, ...) \
  ct_pad_packed_sequence_ex(seq, CT_OPTS(ct_pad_packed_opts, .total_length = -1, __VA_ARGS__), padded, lengths)
/* pack_sequence(sequences, enforce_sorted=True): n tensors (L_i, *). */
ct_packed_sequence ct_pack_sequence(ct_tensor *const *seqs, int n, bool enforce_sorted);
/* pad_sequence(sequences, batch_first=False, padding_value=0.0): (max L, n, *) or (n, max L, *). */
ct_tensor *ct_pad_sequence(ct_tensor *const *seqs, int n, bool batch_first, double padding_value);
/* Append p to a value list as PyTorch's PackedSequence tuple (TUPLE(4): data, batch_sizes,
 * sorted_indices or None, unsorted_indices or None); 0 or -1. */
int ct_values_push_packed(ct_values *vs, ct_packed_sequence p);
/* The packed sequence at value index i of vs (a TUPLE(4) as above); all NULL + error when it
 * is not one. */
ct_packed_sequence ct_values_packed(const ct_values *vs, int i);

/* ---- attention and the Transformer ----
 * nn.MultiheadAttention and the Transformer family, as PyTorch 1.13 computes them
 * (F.multi_head_attention_forward step for step), parameters and children under PyTorch's
 * names (in_proj_weight, out_proj.weight, layers.0.self_attn.in_proj_weight, linear1, norm1,
 * ...) and its default initialisation draw for draw. Forward through ct_module_call (keyword
 * masks), or ct_forward(m, x) when no mask is given:
 *   MultiheadAttention: (query, key, value, key_padding_mask=None, need_weights=True,
 *       attn_mask=None, average_attn_weights=True) -> (attn_output, attn_weights or None)
 *   TransformerEncoderLayer: (src, src_mask=None, src_key_padding_mask=None) -> output
 *   TransformerDecoderLayer: (tgt, memory, tgt_mask=None, memory_mask=None,
 *       tgt_key_padding_mask=None, memory_key_padding_mask=None) -> output
 *   TransformerEncoder: (src, mask=None, src_key_padding_mask=None) -> output
 *   TransformerDecoder: as TransformerDecoderLayer
 *   Transformer: (src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
 *       src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)
 * Masks as PyTorch's: attn masks (L, S) or (N * num_heads, L, S), bool (True: masked out) or
 * float (added); key padding masks (N, S) bool or float. */
typedef struct ct_nn_mha_opts {
  double dropout;     /* 0: dropout on the attention weights, in training */
  bool bias;          /* true: in_proj_bias and out_proj.bias */
  bool add_bias_kv;   /* false: bias_k, bias_v (1, 1, embed_dim) */
  bool add_zero_attn; /* false */
  int64_t kdim, vdim; /* 0: embed_dim; other than it: q/k/v_proj_weight instead of in_proj_weight */
  bool batch_first;   /* false */
  ct_dtype dtype;     /* CT_DTYPE_UNSET: the default dtype */
} ct_nn_mha_opts;
#define CT_NN_MHA_OPTS(...) CT_OPTS(ct_nn_mha_opts, .bias = true, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.MultiheadAttention(embed_dim, num_heads, dropout=0., bias=True, add_bias_kv=False,
 * add_zero_attn=False, kdim=None, vdim=None, batch_first=False, dtype=None); out_proj is a
 * NonDynamicallyQuantizableLinear (a Linear printed under that name). */
ct_module *ct_nn_multihead_attention_ex(int64_t embed_dim, int64_t num_heads, ct_nn_mha_opts o);
#define ct_nn_multihead_attention(embed_dim, num_heads, ...) \
  ct_nn_multihead_attention_ex(embed_dim, num_heads, CT_NN_MHA_OPTS(__VA_ARGS__))
typedef struct ct_nn_transformer_opts {
  int64_t d_model, nhead;                         /* 512, 8 (Transformer only) */
  int64_t num_encoder_layers, num_decoder_layers; /* 6, 6 (Transformer only) */
  int64_t dim_feedforward;                        /* 2048 */
  double dropout;                                 /* 0.1 */
  bool gelu;                                      /* activation='gelu' (default 'relu') */
  double layer_norm_eps;                          /* 1e-5 */
  bool batch_first, norm_first;                   /* false, false */
  ct_module *custom_encoder, *custom_decoder;     /* NULL (Transformer only; taken over) */
  ct_dtype dtype;                                 /* CT_DTYPE_UNSET */
} ct_nn_transformer_opts;
#define CT_NN_TRANSFORMER_OPTS(...)                                                                  \
  CT_OPTS(ct_nn_transformer_opts, .d_model = 512, .nhead = 8, .num_encoder_layers = 6,               \
          .num_decoder_layers = 6, .dim_feedforward = 2048, .dropout = 0.1, .layer_norm_eps = 1e-5, \
          .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* nn.TransformerEncoderLayer / nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048,
 * dropout=0.1, activation='relu', layer_norm_eps=1e-5, batch_first=False, norm_first=False) */
ct_module *ct_nn_transformer_encoder_layer_ex(int64_t d_model, int64_t nhead, ct_nn_transformer_opts o);
ct_module *ct_nn_transformer_decoder_layer_ex(int64_t d_model, int64_t nhead, ct_nn_transformer_opts o);
#define ct_nn_transformer_encoder_layer(d_model, nhead, ...) \
  ct_nn_transformer_encoder_layer_ex(d_model, nhead, CT_NN_TRANSFORMER_OPTS(__VA_ARGS__))
#define ct_nn_transformer_decoder_layer(d_model, nhead, ...) \
  ct_nn_transformer_decoder_layer_ex(d_model, nhead, CT_NN_TRANSFORMER_OPTS(__VA_ARGS__))
/* nn.TransformerEncoder / nn.TransformerDecoder(layer, num_layers, norm=None): num_layers deep
 * copies of layer in the ModuleList "layers" (the same initial weights, as _get_clones), then
 * norm (may be NULL). Takes over the references to layer and norm (also on failure). */
ct_module *ct_nn_transformer_encoder(ct_module *encoder_layer, int64_t num_layers, ct_module *norm);
ct_module *ct_nn_transformer_decoder(ct_module *decoder_layer, int64_t num_layers, ct_module *norm);
/* nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
 * dim_feedforward=2048, dropout=0.1, activation='relu', custom_encoder=None,
 * custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False): encoder and
 * decoder with final LayerNorms, then xavier_uniform_ on every parameter of more than one dim. */
ct_module *ct_nn_transformer_ex(ct_nn_transformer_opts o);
#define ct_nn_transformer(...) ct_nn_transformer_ex(CT_NN_TRANSFORMER_OPTS(__VA_ARGS__))
/* Transformer.generate_square_subsequent_mask(sz): (sz, sz), -inf above the diagonal, 0 on and
 * below it, of dtype (CT_DTYPE_UNSET: the default dtype). */
ct_tensor *ct_nn_generate_square_subsequent_mask(int64_t sz, ct_dtype dtype);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
