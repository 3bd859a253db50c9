/* torch.load of PyTorch's .pt / .pth files (the zip format of PyTorch >= 1.6), with the
 * safety of torch.load(weights_only=True): a restricted unpickler that knows only the
 * opcodes and globals state_dicts and checkpoints use (collections.OrderedDict,
 * torch._utils._rebuild_tensor_v2 / _rebuild_parameter, the storage types, plain containers
 * and scalars); any other global is refused with a message naming it and nothing is ever
 * executed. Files are untrusted: a bad file gives an error, never a crash. */
#ifndef CTORCH_PTH_H
#define CTORCH_PTH_H

#include "io.h"
#include "nn.h"
#include "optim.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

/* One node of a loaded object tree. The whole tree belongs to its root: free it with
 * ct_pth_free(root); every pointer the accessors return is borrowed from it. A pickle may
 * reference one object from several places (the memo), so a tree can be a DAG. */
typedef struct ct_pth_value ct_pth_value;
typedef enum ct_pth_kind {
  CT_PTH_NONE,   /* None */
  CT_PTH_BOOL,   /* True / False */
  CT_PTH_INT,    /* int (within int64) */
  CT_PTH_FLOAT,  /* float */
  CT_PTH_STR,    /* str (UTF-8) */
  CT_PTH_BYTES,  /* bytes */
  CT_PTH_TUPLE,  /* tuple */
  CT_PTH_LIST,   /* list */
  CT_PTH_DICT,   /* dict / OrderedDict, insertion order kept */
  CT_PTH_TENSOR, /* torch.Tensor / nn.Parameter */
  CT_PTH_OTHER   /* a storage or a global that is no object of its own */
} ct_pth_kind;

/* torch.load(path, weights_only=True): the root of the loaded tree; NULL + message. Reads the
 * zip format (PyTorch >= 1.6) and the legacy one (_use_new_zipfile_serialization=False),
 * told apart by their first bytes. The file is mapped: storages torch.save stored uncompressed
 * and aligned become tensors over the mapping, without a copy (writing to one copies its page;
 * the file itself is never written), so the file must not be truncated while they live. */
ct_pth_value *ct_pth_load(const char *path);
/* torch.load(io.BytesIO(buf)): len bytes of a .pth file; NULL + message. */
ct_pth_value *ct_pth_loads(const void *buf, size_t len);
/* Free a tree ct_pth_load returned (its root); NULL is ignored. */
void ct_pth_free(ct_pth_value *root);

/* Kind of v; CT_PTH_NONE for NULL. */
ct_pth_kind ct_pth_kind_of(const ct_pth_value *v);
/* bool(v) of a bool; int(v) of an int or bool; float(v) of a float, int or bool; 0 + error otherwise. */
bool ct_pth_bool(const ct_pth_value *v);
int64_t ct_pth_int(const ct_pth_value *v);
double ct_pth_float(const ct_pth_value *v);
/* The characters of a str or bytes (NUL-terminated; *len gets the length when len != NULL). */
const char *ct_pth_str(const ct_pth_value *v, size_t *len);
/* The tensor of a tensor value (borrowed); NULL + error otherwise. */
ct_tensor *ct_pth_tensor(const ct_pth_value *v);
/* len(v) of a tuple, list, dict, str or bytes; -1 + error otherwise. */
int64_t ct_pth_len(const ct_pth_value *v);
/* v[i] of a tuple or list, or the value of a dict's i-th entry; NULL + error out of range. */
ct_pth_value *ct_pth_item(const ct_pth_value *v, int64_t i);
/* The key of a dict's i-th entry; NULL + error out of range. */
ct_pth_value *ct_pth_key(const ct_pth_value *v, int64_t i);
/* d[key] of a dict with a str / int key; NULL (no error) when absent, NULL + error for a non-dict. */
ct_pth_value *ct_pth_get(const ct_pth_value *d, const char *key);
ct_pth_value *ct_pth_get_int(const ct_pth_value *d, int64_t key);
/* A dict of str -> tensor as a tensor map (retaining the tensors, key order kept); an error
 * names the first key that is no str or whose value is no tensor. */
ct_tensor_map *ct_pth_to_tensor_map(const ct_pth_value *d);

/* torch.load(path) of a file holding a state_dict: a new map (free it) in the file's order. */
ct_tensor_map *ct_pth_load_state_dict(const char *path);
/* m.load_state_dict(torch.load(path), strict). 0 or -1. */
int ct_module_load_pth(ct_module *m, const char *path, bool strict);

/* ---- pthwrite: torch.save ----------------------------------------------------------------
 * Writing what PyTorch 1.13's torch.save writes: a zip of <name>/data.pkl (a protocol 2
 * pickle), <name>/data/<key> (each storage's raw bytes, stored uncompressed, 64-byte aligned)
 * and <name>/version ("3"), <name> being the file's name without its extension ("archive" in
 * memory). Tensors that share a storage (views, tied weights) share it in the file, with
 * their offsets and strides. The file is written to a temporary next to path and renamed
 * over it when complete, so a failed save leaves path as it was.
 *
 * Building a tree: every ct_pth_new_* returns a new root (NULL on OOM); adding it to a
 * container moves it (and its subtree) into the container's tree, so only the outermost root
 * is freed, with ct_pth_free. An added value is consumed even when adding fails (then it is
 * freed), so calls nest:
 *   ct_pth_value *ck = ct_pth_new_dict();
 *   ct_pth_dict_set(ck, "model", model_tree);
 *   ct_pth_dict_set(ck, "epoch", ct_pth_new_int(3));
 *   ct_pth_save("ckpt.pth", ck);
 *   ct_pth_free(ck);
 * A value already inside a tree (not a root) cannot be added again: -1 + error, untouched.
 * ct_pth_free of a value that is not a root does nothing. A loaded tree's root can be added
 * to a new tree (it is moved, so do not free it afterwards). */
ct_pth_value *ct_pth_new_none(void);
ct_pth_value *ct_pth_new_bool(bool b);
ct_pth_value *ct_pth_new_int(int64_t i);
ct_pth_value *ct_pth_new_float(double f);
/* A str (UTF-8, copied); NULL + error for NULL or invalid UTF-8. */
ct_pth_value *ct_pth_new_str(const char *s);
/* A tensor (retained; saved with its storage, offset, strides and requires_grad). */
ct_pth_value *ct_pth_new_tensor(ct_tensor *t);
ct_pth_value *ct_pth_new_list(void);
ct_pth_value *ct_pth_new_tuple(void);
/* dict() and collections.OrderedDict() (what state_dict() returns). */
ct_pth_value *ct_pth_new_dict(void);
ct_pth_value *ct_pth_new_ordered_dict(void);
/* seq.append(item) of a list or tuple. 0 or -1. */
int ct_pth_append(ct_pth_value *seq, ct_pth_value *item);
/* d[key] = v with a str / int key (an existing key keeps its place, as in Python). 0 or -1. */
int ct_pth_dict_set(ct_pth_value *d, const char *key, ct_pth_value *v);
int ct_pth_dict_set_int(ct_pth_value *d, int64_t key, ct_pth_value *v);

/* state_dict._metadata = metadata on an OrderedDict (what Module.state_dict() attaches: an
 * OrderedDict of module prefix -> {'version': N}), pickled as torch.save does; torch.load
 * gives it back as the attribute (ct_pth_load ignores it). metadata is consumed. 0 or -1. */
int ct_pth_set_metadata(ct_pth_value *od, ct_pth_value *metadata);

/* torch.save(root, path): 0, or -1 + error (an unsupported value such as bytes or a tensor
 * of a dtype ctorch lacks, a tree nested deeper than 1000, an I/O error). */
int ct_pth_save(const char *path, const ct_pth_value *root);
/* torch.save(root, io.BytesIO()): the file's bytes (malloc'd, free()), size in *len. */
void *ct_pth_dumps(const ct_pth_value *root, size_t *len);
/* torch.save(OrderedDict(sd), path): a state_dict from a tensor map, its order kept. */
int ct_pth_save_state_dict(const char *path, const ct_tensor_map *sd);
/* torch.save(m.state_dict(), path), with state_dict._metadata (each module's version, 2 for
 * the BatchNorm / InstanceNorm family) as PyTorch writes it. 0 or -1. */
int ct_module_save_pth(const ct_module *m, const char *path);
/* An OrderedDict tree of a tensor map (the tensors shared, not copied); NULL + error. */
ct_pth_value *ct_pth_from_tensor_map(const ct_tensor_map *sd);

/* optimizer.state_dict() as PyTorch builds it: {'state': {index: {key: tensor}},
 * 'param_groups': [{option: value, ..., 'params': [indices]}]}, the state tensors shared
 * (not copied). Put it in a checkpoint tree and ct_pth_save it; NULL + error. */
ct_pth_value *ct_optim_state_dict_pth(const ct_optim *o);
/* optimizer.load_state_dict(sd) from such a tree (ct_pth_get(ckpt, "optimizer") of a file
 * torch.save wrote): ct_optim_load_state_dict's checks, nothing changed on failure; a state
 * entry that is None is skipped, a number 'step' becomes a tensor as PyTorch does. 0 or -1. */
int ct_optim_load_state_dict_pth(ct_optim *o, const ct_pth_value *sd);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
