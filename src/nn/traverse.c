/* Walking a module tree as PyTorch does: named_children / named_modules (each module once,
 * under the first name reaching it), named_parameters / named_buffers (each tensor once),
 * apply, train / eval, requires_grad_, zero_grad, to(dtype) and deepcopy. */
#include "nn_internal.h"

/* ---- module lists -------------------------------------------------------------------- */
void ct_module_list_free(ct_module_list *l) {
  if (!l) return;
  for (int i = 0; i < l->n; i++) free(l->names[i]);
  free(l->names);
  free(l->modules);
  *l = (ct_module_list){0};
}

static bool list_has(const ct_module_list *l, const ct_module *m) {
  for (int i = 0; i < l->n; i++)
    if (l->modules[i] == m) return true;
  return false;
}

/* Append (prefix + "." + name, or name when prefix is empty); -1 on OOM. */
static int list_add(ct_module_list *l, int *cap, const char *prefix, const char *name,
                    ct_module *m) {
  if (l->n == *cap) {
    int c = *cap ? *cap * 2 : 8;
    char **nn = realloc(l->names, sizeof *nn * (size_t)c);
    if (nn) l->names = nn;
    ct_module **nm = realloc(l->modules, sizeof *nm * (size_t)c);
    if (nm) l->modules = nm;
    if (!nn || !nm) return ct__errs("CPU: out of memory");
    *cap = c;
  }
  size_t len = strlen(prefix) + strlen(name) + 2;
  char *s = malloc(len);
  if (!s) return ct__errs("CPU: out of memory");
  snprintf(s, len, "%s%s%s", prefix, *prefix && *name ? "." : "", name);
  l->names[l->n] = s;
  l->modules[l->n++] = m;
  return 0;
}

ct_module_list ct_module_named_children(const ct_module *m) {
  ct_module_list l = {0};
  int cap = 0;
  if (!m) return l;
  const nn_list *c = &m->impl->children;
  for (int i = 0; i < c->n; i++)
    if (!list_has(&l, c->e[i].m) && list_add(&l, &cap, "", c->e[i].name, c->e[i].m) != 0) {
      ct_module_list_free(&l);
      break;
    }
  return l;
}

static int walk_modules(const ct_module *m, const char *prefix, ct_module_list *l, int *cap) {
  if (list_has(l, m)) return 0;
  if (list_add(l, cap, prefix, "", (ct_module *)m) != 0) return -1;
  const char *me = l->names[l->n - 1];
  char *p = strdup(me);
  if (!p) return ct__errs("CPU: out of memory");
  int rc = 0;
  const nn_list *c = &m->impl->children;
  for (int i = 0; rc == 0 && i < c->n; i++) {
    size_t len = strlen(p) + strlen(c->e[i].name) + 2;
    char *sub = malloc(len);
    if (!sub) {
      rc = ct__errs("CPU: out of memory");
      break;
    }
    snprintf(sub, len, "%s%s%s", p, *p ? "." : "", c->e[i].name);
    rc = walk_modules(c->e[i].m, sub, l, cap);
    free(sub);
  }
  free(p);
  return rc;
}

ct_module_list ct_module_named_modules(const ct_module *m) {
  ct_module_list l = {0};
  int cap = 0;
  if (m && walk_modules(m, "", &l, &cap) != 0) ct_module_list_free(&l);
  return l;
}

/* ---- named tensors ------------------------------------------------------------------- */
/* PyTorch's _named_members: over named_modules (or m alone), each tensor once. */
static ct_tensor_map *named_members(const ct_module *m, bool recurse, bool buffers) {
  if (!m) return NULL;
  ct_module_list mods = {0};
  if (recurse) {
    mods = ct_module_named_modules(m);
    if (!mods.n) return NULL;
  }
  ct_tensor_map *map = ct_tensor_map_new();
  int nm = recurse ? mods.n : 1;
  for (int k = 0; map && k < nm; k++) {
    const ct_module *mod = recurse ? mods.modules[k] : m;
    const char *prefix = recurse ? mods.names[k] : "";
    const nn_list *l = buffers ? &mod->impl->buffers : &mod->impl->params;
    for (int i = 0; map && i < l->n; i++) {
      bool seen = false;
      for (int j = 0; j < ct_tensor_map_size(map) && !seen; j++)
        seen = ct_tensor_map_at(map, j) == l->e[i].t;
      if (seen) continue;
      char key[1024];
      snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", l->e[i].name);
      if (ct_tensor_map_set(map, key, l->e[i].t) != 0) {
        ct_tensor_map_free(map);
        map = NULL;
      }
    }
  }
  ct_module_list_free(&mods);
  return map;
}

ct_tensor_map *ct_module_named_parameters(const ct_module *m, bool recurse) {
  return named_members(m, recurse, false);
}

ct_tensor_map *ct_module_named_buffers(const ct_module *m, bool recurse) {
  return named_members(m, recurse, true);
}

int64_t ct_module_num_parameters(const ct_module *m, bool only_trainable) {
  ct_tensor_map *p = ct_module_named_parameters(m, true);
  if (!p) return -1;
  int64_t n = 0;
  for (int i = 0; i < ct_tensor_map_size(p); i++) {
    ct_tensor *t = ct_tensor_map_at(p, i);
    if (!only_trainable || ct_requires_grad(t)) n += ct_numel(t);
  }
  ct_tensor_map_free(p);
  return n;
}

/* ---- apply, modes, gradients --------------------------------------------------------- */
int ct_module_apply(ct_module *m, int (*fn)(ct_module *m, void *user), void *user) {
  if (!m || !fn) return -1;
  const nn_list *c = &m->impl->children;
  for (int i = 0; i < c->n; i++) {
    int rc = ct_module_apply(c->e[i].m, fn, user);
    if (rc) return rc;
  }
  return fn(m, user);
}

void ct_module_train(ct_module *m, bool mode) {
  if (!m) return;
  m->training = mode;
  for (int i = 0; i < m->impl->children.n; i++) ct_module_train(m->impl->children.e[i].m, mode);
}

void ct_module_eval(ct_module *m) { ct_module_train(m, false); }

bool ct_module_is_training(const ct_module *m) { return m && m->training; }

void ct_module_requires_grad_(ct_module *m, bool requires_grad) {
  ct_tensor_map *p = ct_module_named_parameters(m, true);
  for (int i = 0; i < ct_tensor_map_size(p); i++)
    ct_requires_grad_(ct_tensor_map_at(p, i), requires_grad);
  ct_tensor_map_free(p);
}

void ct_module_zero_grad(ct_module *m, bool set_to_none) {
  ct_tensor_map *p = ct_module_named_parameters(m, true);
  for (int i = 0; i < ct_tensor_map_size(p); i++) {
    ct_tensor *t = ct_tensor_map_at(p, i), *g = ct_grad(t);
    if (!g) continue;
    if (set_to_none) {
      ct_set_grad(t, NULL);
      continue;
    }
    /* PyTorch: a grad with history is detached, else requires_grad_(False); then zero_ */
    if (ct_grad_fn_name(g))
      ct_detach_(g);
    else
      ct_requires_grad_(g, false);
    CT_NO_GRAD { ct_zero_(g); }
  }
  ct_tensor_map_free(p);
}

/* ---- rebuilding tensors: to(dtype) and deepcopy --------------------------------------- */
/* old -> new pairs, so a tensor or module shared within the tree stays shared. */
typedef struct memo {
  int n, cap;
  const void **from;
  void **to;
} memo;

static void *memo_get(const memo *mm, const void *from) {
  for (int i = 0; i < mm->n; i++)
    if (mm->from[i] == from) return mm->to[i];
  return NULL;
}

static int memo_put(memo *mm, const void *from, void *to) {
  if (mm->n == mm->cap) {
    int c = mm->cap ? mm->cap * 2 : 16;
    const void **f = realloc(mm->from, sizeof *f * (size_t)c);
    if (f) mm->from = f;
    void **t = realloc(mm->to, sizeof *t * (size_t)c);
    if (t) mm->to = t;
    if (!f || !t) return ct__errs("CPU: out of memory");
    mm->cap = c;
  }
  mm->from[mm->n] = from;
  mm->to[mm->n++] = to;
  return 0;
}

static void memo_free(memo *mm) {
  free(mm->from);
  free(mm->to);
}

/* A kind's struct may hold borrowed pointers to its registered objects: point every such
 * word of m's private part (after the ct_module header) at the replacement in mm. */
static void remap_private(ct_module *m, const memo *mm) {
  size_t size = m->kind->size ? m->kind->size : sizeof(ct_module);
  for (size_t off = sizeof(ct_module); off + sizeof(void *) <= size; off += sizeof(void *)) {
    void **w = (void **)((char *)m + off);
    if (!*w) continue;
    void *to = memo_get(mm, *w);
    if (to) *w = to;
  }
}

/* The module's tensors converted: floating ones to dtype (kept when already so). */
static ct_tensor *convert(const ct_tensor *t, ct_dtype dtype, bool param) {
  ct_tensor *d = ct_to(ct_detach(t), dtype);
  ct_tensor *r = param ? ct_parameter(d, ct_requires_grad(t)) : d;
  ct_tensor *g = ct_grad(t);
  if (r && g) ct_set_grad(r, ct_to(g, dtype));
  return r;
}

static int to_walk(ct_module *m, ct_dtype dtype, memo *mm, memo *done) {
  if (memo_get(done, m)) return 0;
  if (memo_put(done, m, m) != 0) return -1;
  for (int i = 0; i < m->impl->children.n; i++)
    if (to_walk(m->impl->children.e[i].m, dtype, mm, done) != 0) return -1;
  nn_list *lists[2] = {&m->impl->params, &m->impl->buffers};
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < lists[k]->n; i++) {
      ct_tensor *t = lists[k]->e[i].t, *r = memo_get(mm, t);
      if (!r && (!ct_is_floating_point(t) || ct_dtype_of(t) == dtype)) continue;
      if (!r) {
        r = convert(t, dtype, k == 0);
        if (!r || memo_put(mm, t, r) != 0) return -1;
      }
      lists[k]->e[i].t = ct_retain(r);
      ct_release(t);
    }
  }
  remap_private(m, mm);
  return 0;
}

int ct_module_to(ct_module *m, ct_dtype dtype) {
  if (!m) return -1;
  if (!ct_dtype_is_floating(dtype))
    return ct__errs("nn.Module.to only accepts floating point or complex dtypes, but got "
                    "desired dtype=%s", ct_dtype_name(dtype));
  memo mm = {0}, done = {0};
  ct_scope_begin();
  int rc = to_walk(m, dtype, &mm, &done);
  ct_scope_end();
  memo_free(&mm);
  memo_free(&done);
  return rc;
}

static ct_module *copy_walk(const ct_module *src, memo *mm);

static int copy_tensors(const nn_list *from, nn_list *to, bool params, memo *mm) {
  for (int i = 0; i < from->n; i++) {
    ct_tensor *t = from->e[i].t, *r = memo_get(mm, t);
    if (!r) {
      ct_tensor *c = ct_clone(ct_detach(t));
      r = params ? ct_parameter(c, ct_requires_grad(t)) : c;
      if (!params && r && ct_grad(t)) ct_set_grad(r, ct_clone(ct_grad(t)));
      if (!r || memo_put(mm, t, r) != 0) return -1;
    }
    void *old;
    if (nn_list_put(to, from->e[i].name, ct_retain(r), from->e[i].persistent, &old) != 0) {
      ct_release(r);
      return -1;
    }
  }
  return 0;
}

static ct_module *copy_walk(const ct_module *src, memo *mm) {
  ct_module *dst = memo_get(mm, src);
  if (dst) return ct_module_retain(dst);
  dst = ct_module_new(src->kind);
  if (!dst) return NULL;
  size_t size = src->kind->size ? src->kind->size : sizeof(ct_module);
  memcpy((char *)dst + sizeof(ct_module), (const char *)src + sizeof(ct_module),
         size - sizeof(ct_module));
  dst->training = src->training;
  const ct_module_impl *si = src->impl;
  ct_module_impl *di = dst->impl;
  bool ok = memo_put(mm, src, dst) == 0 && copy_tensors(&si->params, &di->params, true, mm) == 0 &&
            copy_tensors(&si->buffers, &di->buffers, false, mm) == 0;
  for (int i = 0; ok && i < si->children.n; i++) {
    ct_module *c = copy_walk(si->children.e[i].m, mm);
    void *old;
    ok = c && nn_list_put(&di->children, si->children.e[i].name, c, false, &old) == 0;
    if (c && !ok) ct_module_free(c);
  }
  if (ok && si->nhooks) {
    di->hooks = malloc(sizeof *di->hooks * (size_t)si->nhooks);
    ok = di->hooks != NULL;
    if (ok) {
      memcpy(di->hooks, si->hooks, sizeof *di->hooks * (size_t)si->nhooks);
      di->nhooks = di->caphooks = si->nhooks;
      /* owned user data gets its own copy; after a failed one, the rest own nothing */
      for (int i = 0; i < di->nhooks; i++) {
        if (!di->hooks[i].user_copy) continue;
        di->hooks[i].user = ok ? di->hooks[i].user_copy(si->hooks[i].user) : NULL;
        ok = ok && di->hooks[i].user;
        if (!di->hooks[i].user) di->hooks[i].user_free = NULL;
      }
    }
  }
  if (ok) remap_private(dst, mm);
  if (ok && src->kind->copy) ok = src->kind->copy(dst, src) == 0;
  if (!ok) {
    /* the byte copy's borrowed pointers are not references: drop them before freeing */
    memset((char *)dst + sizeof(ct_module), 0, size - sizeof(ct_module));
    ct_module_free(dst);
    return NULL;
  }
  return dst;
}

ct_module *ct_module_deepcopy(const ct_module *m) {
  if (!m) return NULL;
  memo mm = {0};
  ct_scope_begin();
  ct_module *r = copy_walk(m, &mm);
  ct_scope_end();
  memo_free(&mm);
  return r;
}
