/* `ctorch inspect FILE` and `ctorch convert IN OUT`: the tensor files PyTorch and NumPy users
 * have, by extension: .pth / .pt (torch.save, zip or legacy; read with weights_only=True's
 * safety), .safetensors, .npy (one tensor) and .npz (a zip of .npy files, as np.savez writes).
 *
 * A .pth holds a tree (a state_dict, or a checkpoint {'model': ..., 'optimizer': ...,
 * 'epoch': 3}). Flattened for the other formats, each tensor goes under its dotted path
 * (model.0.weight, optimizer.state.0.exp_avg), a lone tensor under `tensor`, and every other
 * leaf (numbers, strings, None, empty containers) into safetensors' metadata under its path,
 * as text (Python's repr of it). .npz and .npy hold no metadata: those leaves are dropped,
 * with a note. Also here: the weights of `--weights` / `--init-from`, from a .pth state_dict
 * or checkpoint as well as a safetensors file. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef enum { FMT_UNKNOWN, FMT_PTH, FMT_SAFETENSORS, FMT_NPY, FMT_NPZ } file_fmt;

static file_fmt fmt_of(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot || strchr(dot, '/')) return FMT_UNKNOWN;
  if (!strcmp(dot, ".pth") || !strcmp(dot, ".pt")) return FMT_PTH;
  if (!strcmp(dot, ".safetensors")) return FMT_SAFETENSORS;
  if (!strcmp(dot, ".npy")) return FMT_NPY;
  if (!strcmp(dot, ".npz")) return FMT_NPZ;
  return FMT_UNKNOWN;
}

static int unknown_ext(const char *cmd, const char *path) {
  return cli_fail(cmd, "%s: unknown file type; the extension says it: .pth or .pt (torch.save), .safetensors, "
                       ".npy or .npz", path);
}

#define MAX_DEPTH 64

/* ---- .npz: a zip of NAME.npy entries ------------------------------------------------------------ */
static ct_tensor_map *npz_load(const char *path) {
  int code = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    ct_set_error("not a .npz (zip) file: %s", zip_error_strerror(&e));
    zip_error_fini(&e);
    return NULL;
  }
  ct_tensor_map *m = ct_tensor_map_new();
  zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; m && i < n; i++) {
    const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
    zip_stat_t st;
    size_t len = name ? strlen(name) : 0;
    if (len < 5 || strcmp(name + len - 4, ".npy") || zip_stat_index(z, (zip_uint64_t)i, 0, &st)) continue;
    /* deflate's largest ratio bounds what an entry can claim (np.savez_compressed) */
    if (st.size > (uint64_t)1 << 40 || st.size > st.comp_size * 1032 + 1024) {
      ct_set_error("entry %s claims %llu bytes from %llu compressed ones (a zip bomb?)", name,
                   (unsigned long long)st.size, (unsigned long long)st.comp_size);
      goto fail;
    }
    unsigned char *buf = malloc(st.size ? st.size : 1);
    zip_file_t *f = buf ? zip_fopen_index(z, (zip_uint64_t)i, 0) : NULL;
    bool ok = f && zip_fread(f, buf, st.size) == (zip_int64_t)st.size;
    if (f) ok = zip_fclose(f) == 0 && ok;
    ct_tensor *t = ok ? ct_npy_loads(buf, st.size) : NULL;
    free(buf);
    char key[1024];
    snprintf(key, sizeof key, "%.*s", (int)(len - 4), name);
    if (!t) {
      char why[512];
      snprintf(why, sizeof why, "%s", ok && ct_last_error() ? ct_last_error() : "cannot read it");
      ct_clear_error(); /* only the first error is kept: this one names the entry */
      ct_set_error("entry %s: %s", name, why);
      goto fail;
    }
    int rc = ct_tensor_map_set(m, key, t);
    ct_release(t);
    if (rc) goto fail;
  }
  zip_discard(z);
  return m;
fail:
  zip_discard(z);
  ct_tensor_map_free(m);
  return NULL;
}

static int npz_save(const char *path, const ct_tensor_map *m) {
  int code = 0;
  zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!z) return ct_set_error("cannot create %s", path);
  for (int i = 0; i < ct_tensor_map_size(m); i++) {
    size_t len;
    void *buf = ct_npy_dumps(ct_tensor_map_at(m, i), &len);
    char name[1024];
    snprintf(name, sizeof name, "%s.npy", ct_tensor_map_name(m, i));
    zip_source_t *src = buf ? zip_source_buffer(z, buf, len, 1) : NULL; /* frees buf */
    zip_int64_t idx = src ? zip_file_add(z, name, src, ZIP_FL_OVERWRITE) : -1;
    if (idx < 0 || zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0)) {
      if (src && idx < 0) zip_source_free(src);
      if (!buf) free(buf);
      zip_discard(z);
      return ct_set_error("cannot write %s to %s", name, path);
    }
  }
  if (zip_close(z)) {
    ct_set_error("cannot write %s: %s", path, zip_strerror(z));
    zip_discard(z);
    return -1;
  }
  return 0;
}

/* ---- a .pth tree flattened to dotted paths ------------------------------------------------------ */
/* Python's repr of a leaf (the metadata text of it); false for a container or tensor. */
static bool leaf_text(const ct_pth_value *v, char *buf, size_t n) {
  switch (ct_pth_kind_of(v)) {
  case CT_PTH_NONE: snprintf(buf, n, "None"); return true;
  case CT_PTH_BOOL: snprintf(buf, n, "%s", ct_pth_bool(v) ? "True" : "False"); return true;
  case CT_PTH_INT: snprintf(buf, n, "%lld", (long long)ct_pth_int(v)); return true;
  case CT_PTH_FLOAT: {
    double d = ct_pth_float(v);
    snprintf(buf, n, "%.15g", d);
    if (strtod(buf, NULL) != d) snprintf(buf, n, "%.17g", d);
    if (!strpbrk(buf, ".eni")) strncat(buf, ".0", n - strlen(buf) - 1); /* 1.0, not 1 */
    return true;
  }
  case CT_PTH_STR: snprintf(buf, n, "%s", ct_pth_str(v, NULL)); return true;
  case CT_PTH_BYTES: snprintf(buf, n, "<%lld bytes>", (long long)ct_pth_len(v)); return true;
  default: return false;
  }
}

/* The i-th key of a container as a path component. */
static void key_text(const ct_pth_value *c, int64_t i, char *buf, size_t n) {
  if (ct_pth_kind_of(c) != CT_PTH_DICT || !leaf_text(ct_pth_key(c, i), buf, n))
    snprintf(buf, n, "%lld", (long long)i);
}

/* Tensors into m under their paths, other leaves into m's metadata; *leaves counts those. */
static int flatten(const ct_pth_value *v, char *path, size_t cap, int depth, ct_tensor_map *m, int *leaves) {
  if (depth > MAX_DEPTH) return ct_set_error("%s: nested deeper than %d levels", path, MAX_DEPTH);
  ct_pth_kind k = ct_pth_kind_of(v);
  const char *name = *path ? path : (k == CT_PTH_TENSOR ? "tensor" : "value");
  if (k == CT_PTH_TENSOR) return ct_tensor_map_set(m, name, ct_pth_tensor(v));
  char text[4096];
  bool seq = k == CT_PTH_DICT || k == CT_PTH_LIST || k == CT_PTH_TUPLE;
  if (!seq || !ct_pth_len(v)) {
    if (!leaf_text(v, text, sizeof text)) snprintf(text, sizeof text, "%s", k == CT_PTH_DICT ? "{}" : k == CT_PTH_LIST ? "[]" : "()");
    (*leaves)++;
    return ct_tensor_map_set_meta(m, name, text);
  }
  size_t len = strlen(path);
  for (int64_t i = 0; i < ct_pth_len(v); i++) {
    key_text(v, i, text, sizeof text);
    if (len + strlen(text) + 2 > cap) return ct_set_error("%s: path too long", path);
    snprintf(path + len, cap - len, "%s%s", len ? "." : "", text);
    int rc = flatten(ct_pth_item(v, i), path, cap, depth + 1, m, leaves);
    path[len] = 0;
    if (rc) return rc;
  }
  return 0;
}

/* Any supported file as tensors by name (+ metadata); *leaves: the metadata entries made. */
static ct_tensor_map *load_flat(const char *path, int *leaves) {
  *leaves = 0;
  switch (fmt_of(path)) {
  case FMT_PTH: {
    ct_pth_value *root = ct_pth_load(path);
    if (!root) return NULL;
    ct_tensor_map *m = ct_tensor_map_new();
    char buf[4096] = "";
    if (m && flatten(root, buf, sizeof buf, 0, m, leaves)) {
      ct_tensor_map_free(m);
      m = NULL;
    }
    ct_pth_free(root);
    return m;
  }
  case FMT_SAFETENSORS: return ct_safetensors_load(path);
  case FMT_NPZ: return npz_load(path);
  case FMT_NPY: {
    ct_tensor *t = ct_npy_load(path);
    ct_tensor_map *m = t ? ct_tensor_map_new() : NULL;
    if (m && ct_tensor_map_set(m, "tensor", t)) {
      ct_tensor_map_free(m);
      m = NULL;
    }
    ct_release(t);
    return m;
  }
  default: ct_set_error("unknown file type"); return NULL;
  }
}

/* ---- inspect ------------------------------------------------------------------------------------ */
static void fmt_bytes(char *buf, size_t n, double b) {
  const char *u[] = {"B", "KB", "MB", "GB", "TB"};
  int k = 0;
  while (b >= 1024 && k < 4) b /= 1024, k++;
  snprintf(buf, n, k ? "%.1f %s" : "%.0f %s", b, u[k]);
}

typedef struct {
  int64_t tensors, bytes;
} totals;

static void print_tensor(const char *name, int indent, const ct_tensor *t, totals *tot) {
  char shape[256] = "[", size[32];
  for (int d = 0; d < ct_dim(t); d++)
    snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
  strncat(shape, "]", sizeof shape - strlen(shape) - 1);
  int64_t nb = ct_numel(t) * (int64_t)ct_dtype_size(ct_dtype_of(t));
  fmt_bytes(size, sizeof size, (double)nb);
  printf("%*s%-*s %-8s %-18s %s\n", indent, "", indent < 40 ? 40 - indent : 1, name, ct_dtype_name(ct_dtype_of(t)), shape, size);
  tot->tensors++, tot->bytes += nb;
}

static void print_tree(const char *name, const ct_pth_value *v, int indent, totals *tot) {
  ct_pth_kind k = ct_pth_kind_of(v);
  char text[256];
  if (k == CT_PTH_TENSOR) {
    print_tensor(name, indent, ct_pth_tensor(v), tot);
  } else if (k == CT_PTH_DICT || k == CT_PTH_LIST || k == CT_PTH_TUPLE) {
    static const char *const what[] = {[CT_PTH_DICT] = "dict", [CT_PTH_LIST] = "list", [CT_PTH_TUPLE] = "tuple"};
    printf("%*s%s (%s of %lld)\n", indent, "", name, what[k], (long long)ct_pth_len(v));
    if (indent / 2 >= MAX_DEPTH) {
      printf("%*s...\n", indent + 2, "");
      return;
    }
    for (int64_t i = 0; i < ct_pth_len(v); i++) {
      key_text(v, i, text, sizeof text);
      print_tree(text, ct_pth_item(v, i), indent + 2, tot);
    }
  } else {
    leaf_text(v, text, sizeof text);
    printf("%*s%-*s %s%s%s\n", indent, "", indent < 40 ? 40 - indent : 1, name, k == CT_PTH_STR ? "'" : "", text,
           k == CT_PTH_STR ? "'" : "");
  }
}

/* safetensors' __metadata__, read from the JSON header (the map API names no keys). */
static void print_st_metadata(const char *path) {
  FILE *f = fopen(path, "rb");
  unsigned char n8[8];
  if (!f || fread(n8, 1, 8, f) != 8) {
    if (f) fclose(f);
    return;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | n8[i];
  char *js = n < (1u << 27) ? malloc(n + 1) : NULL;
  if (js && fread(js, 1, n, f) == n) {
    js[n] = 0;
    cJSON *h = cJSON_Parse(js), *meta = cJSON_GetObjectItemCaseSensitive(h, "__metadata__"), *e;
    if (cJSON_IsObject(meta) && meta->child) printf("metadata:\n");
    cJSON_ArrayForEach(e, meta) if (cJSON_IsString(e)) printf("  %-38s %s\n", e->string, e->valuestring);
    cJSON_Delete(h);
  }
  free(js);
  fclose(f);
}

static int inspect(const char *path) {
  file_fmt fmt = fmt_of(path);
  if (fmt == FMT_UNKNOWN) return unknown_ext("inspect", path);
  totals tot = {0};
  char size[32];
  if (fmt == FMT_PTH) {
    ct_pth_value *root = ct_pth_load(path);
    if (!root) return cli_fail_ct("inspect", path);
    FILE *f = fopen(path, "rb");
    int c0 = f ? fgetc(f) : EOF;
    if (f) fclose(f);
    printf("%s: torch.save file (%s format)\n", path, c0 == 'P' ? "zip" : "legacy");
    print_tree(ct_pth_kind_of(root) == CT_PTH_TENSOR ? "tensor" : "(root)", root, 0, &tot);
    ct_pth_free(root);
  } else {
    int leaves;
    ct_tensor_map *m = load_flat(path, &leaves);
    if (!m) return cli_fail_ct("inspect", path);
    static const char *const kind[] = {[FMT_SAFETENSORS] = "safetensors", [FMT_NPY] = "NumPy .npy", [FMT_NPZ] = "NumPy .npz"};
    printf("%s: %s file\n", path, kind[fmt]);
    for (int i = 0; i < ct_tensor_map_size(m); i++) print_tensor(ct_tensor_map_name(m, i), 0, ct_tensor_map_at(m, i), &tot);
    ct_tensor_map_free(m);
    if (fmt == FMT_SAFETENSORS) print_st_metadata(path);
  }
  fmt_bytes(size, sizeof size, (double)tot.bytes);
  printf("%lld tensor%s, %s\n", (long long)tot.tensors, tot.tensors == 1 ? "" : "s", size);
  return 0;
}

int cmd_inspect(int argc, char **argv) {
  const char *pos[1];
  const cli_opt opts[] = {{0}};
  int n_pos, rc = cli_parse("inspect", "FILE (.pth, .pt, .safetensors, .npy or .npz)", opts, argc, argv, pos, 1, &n_pos);
  if (rc) return rc < 0 ? 0 : rc;
  if (n_pos != 1) return cli_fail("inspect", "no file given; type ctorch inspect model.pth");
  return inspect(pos[0]);
}

/* ---- convert ------------------------------------------------------------------------------------ */
/* torch.save of the source: a .pth's own tree (a checkpoint stays a checkpoint), or the
 * tensors of a safetensors / .npy / .npz as a state_dict (an OrderedDict, in file order). */
static int write_pth(const char *out, const char *in) {
  int rc, n;
  if (fmt_of(in) == FMT_PTH) {
    ct_pth_value *root = ct_pth_load(in);
    if (!root) return cli_fail_ct("convert", in);
    rc = ct_pth_save(out, root);
    n = -1;
    ct_pth_free(root);
  } else {
    int leaves;
    ct_tensor_map *m = load_flat(in, &leaves);
    if (!m) return cli_fail_ct("convert", in);
    if (leaves)
      fprintf(stderr, "ctorch convert: note: %d metadata entr%s of %s not written (a state_dict holds tensors only)\n",
              leaves, leaves == 1 ? "y" : "ies", in);
    n = ct_tensor_map_size(m);
    rc = ct_pth_save_state_dict(out, m);
    ct_tensor_map_free(m);
  }
  if (rc) return cli_fail_ct("convert", out);
  if (n < 0) printf("wrote %s: the object tree of %s\n", out, in);
  else printf("wrote %s: %d tensor%s\n", out, n, n == 1 ? "" : "s");
  return 0;
}

static int convert(const char *in, const char *out) {
  file_fmt fi = fmt_of(in), fo = fmt_of(out);
  if (fi == FMT_UNKNOWN) return unknown_ext("convert", in);
  if (fo == FMT_UNKNOWN) return unknown_ext("convert", out);
  if (fo == FMT_PTH) return write_pth(out, in);
  int leaves;
  ct_tensor_map *m = load_flat(in, &leaves);
  if (!m) return cli_fail_ct("convert", in);
  int n = ct_tensor_map_size(m), rc = 0;
  if (fo == FMT_NPY && n != 1) {
    ct_tensor_map_free(m);
    return cli_fail("convert", "%s holds %d tensors and an .npy holds one; convert to .npz or .safetensors", in, n);
  }
  if (fo != FMT_SAFETENSORS && leaves)
    fprintf(stderr, "ctorch convert: note: %s holds no metadata; %d non-tensor value%s of %s dropped (a .safetensors keeps them)\n",
            out, leaves, leaves == 1 ? "" : "s", in);
  if (fo == FMT_SAFETENSORS) rc = ct_safetensors_save(out, m);
  else if (fo == FMT_NPZ) rc = npz_save(out, m);
  else rc = ct_npy_save(out, ct_tensor_map_at(m, 0));
  ct_tensor_map_free(m);
  if (rc) return cli_fail_ct("convert", out);
  printf("wrote %s: %d tensor%s", out, n, n == 1 ? "" : "s");
  if (fo == FMT_SAFETENSORS && leaves) printf(", %d metadata entr%s", leaves, leaves == 1 ? "y" : "ies");
  printf("\n");
  return 0;
}

int cmd_convert(int argc, char **argv) {
  const char *pos[2];
  const cli_opt opts[] = {{0}};
  int n_pos, rc = cli_parse("convert", "IN OUT (each .pth, .pt, .safetensors, .npy or .npz)", opts, argc, argv, pos, 2,
                            &n_pos);
  if (rc) return rc < 0 ? 0 : rc;
  if (n_pos != 2) return cli_fail("convert", "give an input and an output file; type ctorch convert model.pth model.safetensors");
  return convert(pos[0], pos[1]);
}

/* ---- weights for a model ------------------------------------------------------------------------ */
static bool is_state_dict(const ct_pth_value *d) {
  if (ct_pth_kind_of(d) != CT_PTH_DICT || !ct_pth_len(d)) return false;
  for (int64_t i = 0; i < ct_pth_len(d); i++)
    if (ct_pth_kind_of(ct_pth_item(d, i)) != CT_PTH_TENSOR) return false;
  return true;
}

int cli_load_module_file(ct_module *m, const char *path) {
  if (fmt_of(path) != FMT_PTH) return ct_module_load(m, path, true);
  ct_pth_value *root = ct_pth_load(path);
  if (!root) return -1;
  /* a state_dict, or a checkpoint holding one under a usual name */
  static const char *const keys[] = {"model_state_dict", "state_dict", "model", "module", "net"};
  const ct_pth_value *sd = is_state_dict(root) ? root : NULL;
  for (size_t i = 0; !sd && ct_pth_kind_of(root) == CT_PTH_DICT && i < sizeof keys / sizeof *keys; i++)
    if (is_state_dict(ct_pth_get(root, keys[i]))) sd = ct_pth_get(root, keys[i]);
  int rc = -1;
  if (!sd) ct_set_error("%s holds no state_dict (a dict of tensors, or a checkpoint with one under 'model' or 'state_dict')", path);
  ct_tensor_map *map = sd ? ct_pth_to_tensor_map(sd) : NULL;
  if (map) rc = ct_module_load_state_dict(m, map, true, NULL);
  ct_tensor_map_free(map);
  ct_pth_free(root);
  return rc;
}
