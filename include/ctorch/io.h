/* ctorch file formats: NumPy .npy and safetensors (the state_dict format). Files are
 * untrusted: every size and offset is checked; bad files give an error, never a crash. */
#ifndef CTORCH_IO_H
#define CTORCH_IO_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* np.load / np.save of one array (little-endian, C or Fortran order on read). */
/* np.load(path) of one array: a new tensor; NULL + message for a bad file. */
ct_tensor *ct_npy_load(const char *path);
/* np.save(path, t): any layout written C-contiguous; 0 or -1. */
int ct_npy_save(const char *path, const ct_tensor *t);
/* The same on memory buffers. ct_npy_dumps returns a malloc'd buffer (free()). */
/* np.load(io.BytesIO(buf)): len bytes of .npy data; NULL on bad data. */
ct_tensor *ct_npy_loads(const void *buf, size_t len);
/* np.save to memory: malloc'd buffer (free()), its size in *len; NULL on error. */
void *ct_npy_dumps(const ct_tensor *t, size_t *len);

/* A named tensor map (a state_dict) with string metadata, as safetensors stores it. */
typedef struct ct_tensor_map ct_tensor_map;
/* An empty state_dict; free with ct_tensor_map_free. NULL on OOM. */
ct_tensor_map *ct_tensor_map_new(void);
/* Free m and release its tensors; NULL is ignored. */
void ct_tensor_map_free(ct_tensor_map *m);
/* Adds (retains) t under name, replacing an existing entry. 0 or -1. */
int ct_tensor_map_set(ct_tensor_map *m, const char *name, ct_tensor *t);
/* Borrowed (owned by the map); NULL when absent (no error recorded). */
ct_tensor *ct_tensor_map_get(const ct_tensor_map *m, const char *name);
/* len(sd): number of entries; -1 for NULL. */
int ct_tensor_map_size(const ct_tensor_map *m);
/* Entries in insertion (or file) order. */
/* Name of entry i (borrowed); NULL when i is out of range. */
const char *ct_tensor_map_name(const ct_tensor_map *m, int i);
/* Tensor of entry i (borrowed); NULL when i is out of range. */
ct_tensor *ct_tensor_map_at(const ct_tensor_map *m, int i);
/* metadata[key] = value (both copied); replaces an existing key; 0 or -1. */
int ct_tensor_map_set_meta(ct_tensor_map *m, const char *key, const char *value);
/* NULL when absent. */
const char *ct_tensor_map_meta(const ct_tensor_map *m, const char *key);

/* safetensors (https://github.com/huggingface/safetensors): F32 F64 I64 I32 I16 I8 U8 BOOL.
 * Tensors written contiguous, names sorted like the Python library does. */
/* safetensors.torch.load_file(path): a new map (free it); NULL on a bad file. */
ct_tensor_map *ct_safetensors_load(const char *path);
/* safetensors.torch.load(buf): len bytes; NULL on bad data. */
ct_tensor_map *ct_safetensors_loads(const void *buf, size_t len);
/* safetensors.torch.save_file(m, path, metadata): 0 or -1. */
int ct_safetensors_save(const char *path, const ct_tensor_map *m);
/* safetensors.torch.save(m, metadata): malloc'd buffer (free()), size in *len. */
void *ct_safetensors_dumps(const ct_tensor_map *m, size_t *len);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
