/* state_dict / load_state_dict with PyTorch's keys, order and messages, and their safetensors
 * files (the bytes safetensors.torch.save_file(model.state_dict()) writes: ct_safetensors_save
 * already sorts and pads as the crate does, and a state_dict carries no metadata). */
#include "nn_internal.h"

/* Module._save_to_state_dict, recursively: parameters, persistent buffers, then children;
 * no deduplication (a shared child appears under each of its names). */
static int save_walk(const ct_module *m, const char *prefix, ct_tensor_map *sd) {
  const nn_list *lists[2] = {&m->impl->params, &m->impl->buffers};
  char key[1024];
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < lists[k]->n; i++) {
      if (k == 1 && !lists[k]->e[i].persistent) continue;
      snprintf(key, sizeof key, "%s%s", prefix, lists[k]->e[i].name);
      if (ct_tensor_map_set(sd, key, ct_detach(lists[k]->e[i].t)) != 0) return -1;
    }
  for (int i = 0; i < m->impl->children.n; i++) {
    snprintf(key, sizeof key, "%s%s.", prefix, m->impl->children.e[i].name);
    if (save_walk(m->impl->children.e[i].m, key, sd) != 0) return -1;
  }
  return 0;
}

ct_tensor_map *ct_module_state_dict(const ct_module *m) {
  if (!m) return NULL;
  ct_tensor_map *sd = ct_tensor_map_new();
  if (!sd) return NULL;
  ct_scope_begin();
  int rc = save_walk(m, "", sd);
  ct_scope_end();
  if (rc != 0) {
    ct_tensor_map_free(sd);
    return NULL;
  }
  return sd;
}

/* ---- loading --------------------------------------------------------------------------- */
typedef struct str_list {
  int n, cap;
  char **s;
} str_list;

static int sl_add(str_list *l, const char *s) {
  if (l->n == l->cap) {
    int c = l->cap ? l->cap * 2 : 8;
    char **ns = realloc(l->s, sizeof *ns * (size_t)c);
    if (!ns) return ct__errs("CPU: out of memory");
    l->s = ns;
    l->cap = c;
  }
  if (!(l->s[l->n] = strdup(s))) return ct__errs("CPU: out of memory");
  l->n++;
  return 0;
}

static void sl_free(str_list *l) {
  for (int i = 0; i < l->n; i++) free(l->s[i]);
  free(l->s);
}

typedef struct load_state {
  const ct_tensor_map *sd;
  str_list missing, unexpected;
  ct__strbuf errors;             /* "\n\tsize mismatch for ..." in traversal order */
  int ncopy, capcopy;
  ct_tensor **dst, **src;    /* the copies to make once everything checks */
  int nlazy;
  struct lazy_load { ct_module *m; char name[256]; int copy; } *lazy; /* placeholders to materialise first */
} load_state;

static int add_copy(load_state *ls, ct_tensor *dst, ct_tensor *src) {
  if (ls->ncopy == ls->capcopy) {
    int c = ls->capcopy ? ls->capcopy * 2 : 16;
    ct_tensor **d = realloc(ls->dst, sizeof *d * (size_t)c);
    if (d) ls->dst = d;
    ct_tensor **s = realloc(ls->src, sizeof *s * (size_t)c);
    if (s) ls->src = s;
    if (!d || !s) return ct__errs("CPU: out of memory");
    ls->capcopy = c;
  }
  ls->dst[ls->ncopy] = dst;
  ls->src[ls->ncopy++] = src;
  return 0;
}

static bool same_shape(const ct_tensor *a, const ct_tensor *b) {
  if (ct_dim(a) != ct_dim(b)) return false;
  for (int d = 0; d < ct_dim(a); d++)
    if (ct_shape(a)[d] != ct_shape(b)[d]) return false;
  return true;
}

/* Is name one of m's parameters, persistent buffers or children? */
static bool is_local(const ct_module *m, const char *name, size_t len) {
  const nn_list *lists[3] = {&m->impl->params, &m->impl->buffers, &m->impl->children};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < lists[k]->n; i++)
      if (strlen(lists[k]->e[i].name) == len && strncmp(lists[k]->e[i].name, name, len) == 0 &&
          (k != 1 || lists[k]->e[i].persistent))
        return true;
  return false;
}

/* Module._load_from_state_dict, then the children: missing keys in local order, unexpected
 * keys in the state_dict's order, size mismatches as they are met. */
static int load_walk(const ct_module *m, const char *prefix, load_state *ls) {
  const nn_list *lists[2] = {&m->impl->params, &m->impl->buffers};
  char key[1024];
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < lists[k]->n; i++) {
      if (k == 1 && !lists[k]->e[i].persistent) continue;
      ct_tensor *param = lists[k]->e[i].t;
      snprintf(key, sizeof key, "%s%s", prefix, lists[k]->e[i].name);
      ct_tensor *in = ct_tensor_map_get(ls->sd, key);
      if (!in) {
        if (sl_add(&ls->missing, key) != 0) return -1;
        continue;
      }
      if (ct_dim(param) == 0 && ct_dim(in) == 1) in = ct_select(in, 0, 0); /* legacy 1-elem */
      if (!in) return -1;
      /* a Lazy layer's placeholder takes the loaded shape (_lazy_load_hook) */
      bool lazy = nn_is_lazy(m) && nn_lazy_placeholder(param) && !nn_lazy_placeholder(in);
      if (lazy) {
        struct lazy_load *l = realloc(ls->lazy, sizeof *l * (size_t)(ls->nlazy + 1));
        if (!l) return ct__errs("CPU: out of memory");
        ls->lazy = l;
        l[ls->nlazy] = (struct lazy_load){.m = (ct_module *)m, .copy = ls->ncopy};
        snprintf(l[ls->nlazy++].name, sizeof l->name, "%s", lists[k]->e[i].name);
      }
      if (!lazy && !same_shape(param, in)) {
        ct__sb_printf(&ls->errors, "\n\tsize mismatch for %s: copying a param with shape torch.Size(", key);
        nn_shape(&ls->errors, in);
        ct__sb_puts(&ls->errors, ") from checkpoint, the shape in current model is torch.Size(");
        nn_shape(&ls->errors, param);
        ct__sb_puts(&ls->errors, ").");
        continue;
      }
      if (add_copy(ls, param, in) != 0) return -1;
    }
  size_t plen = strlen(prefix);
  for (int i = 0; i < ct_tensor_map_size(ls->sd); i++) {
    const char *name = ct_tensor_map_name(ls->sd, i);
    if (strncmp(name, prefix, plen) != 0) continue;
    const char *rest = name + plen, *dot = strchr(rest, '.');
    size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
    if (!is_local(m, rest, len) && sl_add(&ls->unexpected, name) != 0) return -1;
  }
  for (int i = 0; i < m->impl->children.n; i++) {
    snprintf(key, sizeof key, "%s%s.", prefix, m->impl->children.e[i].name);
    if (load_walk(m->impl->children.e[i].m, key, ls) != 0) return -1;
  }
  return 0;
}

static void key_list(ct__strbuf *b, const char *what, const str_list *l) {
  ct__sb_printf(b, "\n\t%s key(s) in state_dict: ", what);
  for (int i = 0; i < l->n; i++) ct__sb_printf(b, "%s\"%s\"", i ? ", " : "", l->s[i]);
  ct__sb_puts(b, ". ");
}

void ct_incompatible_keys_free(ct_incompatible_keys *k) {
  if (!k) return;
  for (int i = 0; i < k->n_missing; i++) free(k->missing_keys[i]);
  for (int i = 0; i < k->n_unexpected; i++) free(k->unexpected_keys[i]);
  free(k->missing_keys);
  free(k->unexpected_keys);
  *k = (ct_incompatible_keys){0};
}

int ct_module_load_state_dict(ct_module *m, const ct_tensor_map *sd, bool strict,
                              ct_incompatible_keys *keys) {
  if (keys) *keys = (ct_incompatible_keys){0};
  if (!m || !sd) return -1;
  load_state ls = {.sd = sd};
  ct_scope_begin();
  int rc = load_walk(m, "", &ls);
  if (rc == 0) {
    ct__strbuf msg = {0};
    if (strict && ls.missing.n) key_list(&msg, "Missing", &ls.missing);
    if (strict && ls.unexpected.n) key_list(&msg, "Unexpected", &ls.unexpected);
    if (ls.errors.len) ct__sb_puts(&msg, ls.errors.s);
    if (msg.oom || ls.errors.oom) {
      rc = ct__errs("CPU: out of memory");
    } else if (msg.len) {
      rc = ct__errs("Error(s) in loading state_dict for %s:%s", m->kind->name, msg.s);
    }
    free(msg.s);
  }
  /* every check passed: now materialise and copy (nothing was changed before this point) */
  for (int i = 0; rc == 0 && i < ls.nlazy; i++) {
    const struct lazy_load *l = &ls.lazy[i];
    const ct_tensor *in = ls.src[l->copy];
    ls.dst[l->copy] = nn_lazy_materialize_named(l->m, l->name, ls.dst[l->copy], ct_dim(in), ct_shape(in));
    if (!ls.dst[l->copy]) rc = -1;
  }
  CT_NO_GRAD {
    for (int i = 0; rc == 0 && i < ls.ncopy; i++)
      if (!ct_copy_(ls.dst[i], ls.src[i])) rc = -1;
  }
  ct_scope_end();
  if (rc == 0 && keys) {
    keys->n_missing = ls.missing.n;
    keys->missing_keys = ls.missing.s;
    keys->n_unexpected = ls.unexpected.n;
    keys->unexpected_keys = ls.unexpected.s;
    ls.missing = ls.unexpected = (str_list){0};
  }
  sl_free(&ls.missing);
  sl_free(&ls.unexpected);
  free(ls.errors.s);
  free(ls.dst);
  free(ls.src);
  free(ls.lazy);
  return rc;
}

int ct_module_save(const ct_module *m, const char *path) {
  if (!m) return -1;
  ct_tensor_map *sd = ct_module_state_dict(m);
  if (!sd) return -1;
  int rc = ct_safetensors_save(path, sd);
  ct_tensor_map_free(sd);
  return rc;
}

int ct_module_load(ct_module *m, const char *path, bool strict) {
  if (!m) return -1;
  ct_tensor_map *sd = ct_safetensors_load(path);
  if (!sd) return -1;
  int rc = ct_module_load_state_dict(m, sd, strict, NULL);
  ct_tensor_map_free(sd);
  return rc;
}
