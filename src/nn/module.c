/* The Module base (torch.nn.Module): registration of parameters, buffers and children by
 * name and in order, lookups, the call (hooks around forward), and the value lists forward
 * takes and returns. Traversal, mode and dtype changes and deep copies are in traverse.c. */
#include "nn_internal.h"

#include <stdarg.h>

/* ---- value lists --------------------------------------------------------------------- */
ct_value ct_v_tensor(ct_tensor *t) { return (ct_value){.type = CT_V_TENSOR, .t = t}; }
ct_value ct_v_int(int64_t i) { return (ct_value){.type = CT_V_INT, .i = i}; }
ct_value ct_v_float(double f) { return (ct_value){.type = CT_V_FLOAT, .f = f}; }
ct_value ct_v_bool(bool b) { return (ct_value){.type = CT_V_BOOL, .b = b}; }
ct_value ct_v_str(const char *s) { return (ct_value){.type = CT_V_STR, .s = s}; }
ct_value ct_v_none(void) { return (ct_value){.type = CT_V_NONE}; }
ct_value ct_v_tuple(int n) { return (ct_value){.type = CT_V_TUPLE, .n = n}; }
ct_value ct_v_kw(const char *key, ct_value v) {
  v.key = key;
  return v;
}

int ct_values_push(ct_values *vs, ct_value v) {
  if (!vs) return -1;
  if (vs->n >= CT_VALUES_MAX)
    return ct__errs("ctorch: a value list holds at most %d values", CT_VALUES_MAX);
  vs->v[vs->n++] = v;
  return 0;
}

const ct_value *ct_values_get(const ct_values *vs, int pos, const char *key) {
  if (!vs) return NULL;
  int p = 0;
  for (int i = 0; i < vs->n; i++) {
    const ct_value *v = &vs->v[i];
    if (v->key) {
      if (key && strcmp(v->key, key) == 0) return v;
      continue;
    }
    if (p++ == pos) return v;
  }
  return NULL;
}

ct_tensor *ct_values_tensor(const ct_values *vs, int i) {
  if (!vs) return NULL;
  for (int k = 0; k < vs->n; k++)
    if (vs->v[k].type == CT_V_TENSOR && i-- == 0) return vs->v[k].t;
  return NULL;
}

int ct_values_count_tensors(const ct_values *vs) {
  int n = 0;
  for (int k = 0; vs && k < vs->n; k++) n += vs->v[k].type == CT_V_TENSOR;
  return n;
}

/* ---- entry lists --------------------------------------------------------------------- */
int nn_find(const nn_list *l, const char *name) {
  for (int i = 0; i < l->n; i++)
    if (strcmp(l->e[i].name, name) == 0) return i;
  return -1;
}

int nn_list_put(nn_list *l, const char *name, void *obj, bool persistent, void **old) {
  *old = NULL;
  int i = nn_find(l, name);
  if (i >= 0) {
    *old = l->e[i].t;
    l->e[i].t = obj;
    l->e[i].persistent = persistent;
    return 0;
  }
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 4;
    nn_entry *ne = realloc(l->e, sizeof *ne * (size_t)cap);
    if (!ne) return ct__errs("CPU: out of memory");
    l->e = ne;
    l->cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) return ct__errs("CPU: out of memory");
  l->e[l->n++] = (nn_entry){.name = copy, .t = obj, .persistent = persistent};
  return 0;
}

void *nn_list_remove(nn_list *l, int i) {
  void *obj = l->e[i].t;
  free(l->e[i].name);
  memmove(&l->e[i], &l->e[i + 1], sizeof *l->e * (size_t)(l->n - i - 1));
  l->n--;
  return obj;
}

/* ---- lifetime ------------------------------------------------------------------------ */
ct_module *ct_module_new(const ct_module_kind *kind) {
  if (!kind) return ct__err("ct_module_new: kind is NULL");
  size_t size = kind->size ? kind->size : sizeof(ct_module);
  if (size < sizeof(ct_module))
    return ct__err("ct_module_new: kind '%s' has size %zu, less than sizeof(ct_module)",
                   kind->name ? kind->name : "?", size);
  ct_module *m = calloc(1, size);
  ct_module_impl *impl = calloc(1, sizeof *impl);
  if (!m || !impl) {
    free(m);
    free(impl);
    return ct__err("CPU: out of memory");
  }
  impl->refcount = 1;
  m->kind = kind;
  m->impl = impl;
  m->training = true;
  return m;
}

ct_module *ct_module_retain(ct_module *m) {
  if (m) __atomic_add_fetch(&m->impl->refcount, 1, __ATOMIC_RELAXED);
  return m;
}

void ct_module_free(ct_module *m) {
  if (!m || __atomic_sub_fetch(&m->impl->refcount, 1, __ATOMIC_ACQ_REL) > 0) return;
  if (m->kind->destroy) m->kind->destroy(m);
  nn_bw_release_all(m);
  ct_module_impl *im = m->impl;
  for (int i = 0; i < im->params.n; i++) {
    ct_release(im->params.e[i].t);
    free(im->params.e[i].name);
  }
  for (int i = 0; i < im->buffers.n; i++) {
    ct_release(im->buffers.e[i].t);
    free(im->buffers.e[i].name);
  }
  for (int i = 0; i < im->children.n; i++) {
    ct_module_free(im->children.e[i].m);
    free(im->children.e[i].name);
  }
  free(im->params.e);
  free(im->buffers.e);
  free(im->children.e);
  for (int i = 0; i < im->nhooks; i++)
    if (im->hooks[i].user_free) im->hooks[i].user_free(im->hooks[i].user);
  free(im->hooks);
  free(im);
  free(m);
}

const char *ct_module_name(const ct_module *m) { return m ? m->kind->name : NULL; }

/* ---- registration -------------------------------------------------------------------- */
ct_tensor *ct_parameter(const ct_tensor *t, bool requires_grad) {
  if (!t) return NULL;
  ct_tensor *p = ct_detach(t);
  if (p && requires_grad && !ct_requires_grad_(p, true)) return NULL;
  return p;
}

/* PyTorch's checks of register_parameter / register_buffer / add_module, in its order:
 * "parameter name can't contain \".\"", the empty name, and a name another kind of member
 * already holds ("attribute 'x' already exists"). what: "parameter", "buffer", "module". */
static int check_name(const ct_module *m, const char *name, const char *what, const nn_list *own) {
  if (!name) return ct__errs("%s name should be a string. Got NoneType", what);
  if (strchr(name, '.')) {
    if (strcmp(what, "module") == 0)
      return ct__errs("module name can't contain \".\", got: %s", name);
    return ct__errs("%s name can't contain \".\"", what);
  }
  if (!*name) return ct__errs("%s name can't be empty string \"\"", what);
  const nn_list *all[] = {&m->impl->params, &m->impl->buffers, &m->impl->children};
  for (int k = 0; k < 3; k++)
    if (all[k] != own && nn_find(all[k], name) >= 0)
      return ct__errs("attribute '%s' already exists", name);
  if (strcmp(name, "training") == 0 || strcmp(name, "forward") == 0)
    return ct__errs("attribute '%s' already exists", name);
  return 0;
}

/* Stores t (a new reference) under name in l, releasing what it replaces. */
static ct_tensor *put_tensor(ct_module *m, nn_list *l, const char *name, ct_tensor *t,
                             bool persistent) {
  void *old;
  ct_retain(t);
  if (nn_list_put(l, name, t, persistent, &old) != 0) {
    ct_release(t);
    return NULL;
  }
  ct_release(old);
  (void)m;
  return t;
}

ct_tensor *ct_module_register_parameter(ct_module *m, const char *name, ct_tensor *t) {
  if (!m || !t) return NULL;
  if (check_name(m, name, "parameter", &m->impl->params) != 0) return NULL;
  ct_scope_begin();
  ct_tensor *p = t;
  if (!(ct_is_leaf(t) && ct_requires_grad(t))) {
    if (!ct_is_leaf(t))
      p = ct__err("Cannot assign non-leaf Tensor to parameter '%s'. Model parameters must be "
                  "created explicitly. To express '%s' as a function of another Tensor, "
                  "compute the value in the forward() method.", name, name);
    else if (ct_is_floating_point(t))
      p = ct_parameter(t, true);
    else
      p = ct__err("Only Tensors of floating point and complex dtype can require gradients");
  }
  ct_tensor *r = p ? put_tensor(m, &m->impl->params, name, p, false) : NULL;
  ct_scope_end();
  return r;
}

ct_tensor *ct_module_register_buffer(ct_module *m, const char *name, ct_tensor *t, bool persistent) {
  if (!m || !t) return NULL;
  if (check_name(m, name, "buffer", &m->impl->buffers) != 0) return NULL;
  return put_tensor(m, &m->impl->buffers, name, t, persistent);
}

ct_module *ct_module_register_module(ct_module *m, const char *name, ct_module *child) {
  if (!m || !child) {
    ct_module_free(child);
    return NULL;
  }
  void *old = NULL;
  if (check_name(m, name, "module", &m->impl->children) != 0 ||
      nn_list_put(&m->impl->children, name, child, false, &old) != 0) {
    ct_module_free(child);
    return NULL;
  }
  ct_module_free(old);
  return child;
}

ct_tensor *ct_module_set_tensor(ct_module *m, const char *name, ct_tensor *t) {
  if (!m || !t || !name) return NULL;
  if (nn_find(&m->impl->params, name) >= 0) return ct_module_register_parameter(m, name, t);
  int b = nn_find(&m->impl->buffers, name);
  if (b >= 0) return ct_module_register_buffer(m, name, t, m->impl->buffers.e[b].persistent);
  return ct__err("'%s' object has no attribute '%s'", m->kind->name, name);
}

/* ---- lookups ------------------------------------------------------------------------- */
ct_module *ct_module_get_submodule(const ct_module *m, const char *target) {
  if (!m || !target) return NULL;
  const ct_module *mod = m;
  const char *p = target;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    char item[256];
    snprintf(item, sizeof item, "%.*s", (int)len, p);
    int i = nn_find(&mod->impl->children, item);
    if (i < 0) {
      if (nn_find(&mod->impl->params, item) >= 0 || nn_find(&mod->impl->buffers, item) >= 0)
        return ct__err("`%s` is not an nn.Module", item);
      return ct__err("%s has no attribute `%s`", mod->kind->name, item);
    }
    mod = mod->impl->children.e[i].m;
    p += len + (dot != NULL);
  }
  return (ct_module *)mod;
}

/* The module holding target's last atom, and that atom. */
static const ct_module *owner_of(const ct_module *m, const char *target, const char **leaf) {
  const char *dot = strrchr(target, '.');
  *leaf = dot ? dot + 1 : target;
  if (!dot) return m;
  char path[512];
  snprintf(path, sizeof path, "%.*s", (int)(dot - target), target);
  return ct_module_get_submodule(m, path);
}

ct_tensor *ct_module_get_parameter(const ct_module *m, const char *target) {
  if (!m || !target) return NULL;
  const char *leaf;
  const ct_module *mod = owner_of(m, target, &leaf);
  if (!mod) return NULL;
  int i = nn_find(&mod->impl->params, leaf);
  if (i >= 0) return mod->impl->params.e[i].t;
  if (nn_find(&mod->impl->buffers, leaf) >= 0 || nn_find(&mod->impl->children, leaf) >= 0)
    return ct__err("`%s` is not an nn.Parameter", leaf);
  return ct__err("%s has no attribute `%s`", mod->kind->name, leaf);
}

ct_tensor *ct_module_get_buffer(const ct_module *m, const char *target) {
  if (!m || !target) return NULL;
  const char *leaf;
  const ct_module *mod = owner_of(m, target, &leaf);
  if (!mod) return NULL;
  int i = nn_find(&mod->impl->buffers, leaf);
  if (i >= 0) return mod->impl->buffers.e[i].t;
  if (nn_find(&mod->impl->params, leaf) >= 0 || nn_find(&mod->impl->children, leaf) >= 0)
    return ct__err("`%s` is not a buffer", leaf);
  return ct__err("%s has no attribute `%s`", mod->kind->name, leaf);
}

/* ---- the call ------------------------------------------------------------------------ */
static bool has_hooks(const ct_module *m, nn_hook_type type) {
  for (int i = 0; i < m->impl->nhooks; i++)
    if (m->impl->hooks[i].type == type) return true;
  return false;
}

static int run_forward(ct_module *m, const ct_values *in, ct_values *out) {
  if (m->kind->forward) return m->kind->forward(m, in, out);
  if (m->kind->forward1) {
    if (in->n != 1 || in->v[0].type != CT_V_TENSOR || in->v[0].key)
      return ct__errs("%s.forward() takes 1 positional argument (a tensor) but %d were given",
                      m->kind->name, in->n);
    ct_tensor *y = m->kind->forward1(m, in->v[0].t);
    if (!y) return -1;
    return ct_values_push(out, ct_v_tensor(y));
  }
  return ct__errs("Module [%s] is missing the required \"forward\" function", m->kind->name);
}

/* Pre-hooks, forward, forward hooks, with the backward-hook identities around forward. */
static int call_body(ct_module *m, ct_values *args, ct_values *out) {
  ct_module_impl *im = m->impl;
  for (int i = 0; i < im->nhooks; i++)
    if (im->hooks[i].type == NN_HOOK_PRE &&
        ((ct_forward_pre_hook)im->hooks[i].fn)(m, args, im->hooks[i].user) != 0)
      return -1;
  nn_bw *bw = NULL;
  if (has_hooks(m, NN_HOOK_BWD) && ct_is_grad_enabled() && !(bw = nn_bw_begin(m, args))) return -1;
  int rc = run_forward(m, args, out);
  for (int i = 0; rc == 0 && i < out->n; i++)
    if (out->v[i].type == CT_V_TENSOR && !out->v[i].t)
      rc = ct__errs("%s.forward() returned a NULL tensor without an error", m->kind->name);
  if (bw && nn_bw_end(bw, rc == 0 ? out : NULL) != 0) rc = -1;
  if (rc != 0) return -1;
  for (int i = 0; i < im->nhooks; i++)
    if (im->hooks[i].type == NN_HOOK_FWD &&
        ((ct_forward_hook)im->hooks[i].fn)(m, args, out, im->hooks[i].user) != 0)
      return -1;
  return 0;
}

int ct_module_call(ct_module *m, const ct_values *in, ct_values *out) {
  if (!m || !in || !out) return -1;
  for (int i = 0; i < in->n; i++)
    if (in->v[i].type == CT_V_TENSOR && !in->v[i].t) return -1;
  out->n = 0;
  ct_values args = *in;
  ct_scope_begin(); /* forward's temporaries die here; its results move to the caller */
  int rc = call_body(m, &args, out);
  for (int i = 0; rc == 0 && i < out->n; i++)
    if (out->v[i].type == CT_V_TENSOR) ct_keep(out->v[i].t);
  ct_scope_end();
  if (rc != 0) out->n = 0;
  return rc;
}

ct_tensor *ct_forward_ex(ct_module *m, ct_tensor *const *xs, int n) {
  if (!m || (n > 0 && !xs)) return NULL;
  if (n > CT_VALUES_MAX) return ct__err("ctorch: a value list holds at most %d values", CT_VALUES_MAX);
  ct_values in = {.n = n}, out;
  for (int i = 0; i < n; i++) {
    if (!xs[i]) return NULL;
    in.v[i] = ct_v_tensor(xs[i]);
  }
  if (ct_module_call(m, &in, &out) != 0) return NULL;
  if (out.n != 1 || out.v[0].type != CT_V_TENSOR)
    return ct__err("ct_forward: %s returned %d values, not one tensor (use ct_module_call)",
                   m->kind->name, out.n);
  return out.v[0].t;
}
