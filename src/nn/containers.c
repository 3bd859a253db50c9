/* Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, with
 * PyTorch's naming ("0", "1", ...), indexing (negative from the end, "index 5 is out of
 * range"), insert / append and printing. */
#include "nn_internal.h"

/* ---- Sequential ------------------------------------------------------------------------ */
/* ct_retain (hold) or ct_release (drop) each tensor of vs. */
static void values_refs(const ct_values *vs, bool hold) {
  for (int i = 0; i < vs->n; i++) {
    ct_tensor *t = vs->v[i].type == CT_V_TENSOR ? vs->v[i].t : NULL;
    if (t && hold) ct_retain(t);
    else if (t) ct_release(t);
  }
}

/* for module in self: input = module(input); the values one returns feed the next. Each
 * intermediate dies as soon as the next module has read it (unless autograd saved it), as
 * Python drops `input`: one scope holding them all to the end made an eval forward of a big
 * batch hold every activation at once (Fashion-MNIST's CNN on 10000 images: 3.3 GB peak RSS,
 * 2.0 GB now). Every module but the last runs in a scope of its own whose results we retain;
 * the last one's land in the caller's scope as any call's do. */
static int sequential_forward(ct_module *m, const ct_values *in, ct_values *out) {
  ct_values cur = *in;
  bool held = false; /* cur's tensors carry references of ours */
  const nn_list *c = &m->impl->children;
  for (int i = 0; i < c->n; i++) {
    ct_values next;
    bool last = i == c->n - 1;
    if (!last) ct_scope_begin();
    int rc = ct_module_call(c->e[i].m, &cur, &next);
    if (!last) {
      if (rc == 0) values_refs(&next, true);
      ct_scope_end();
    }
    if (held) values_refs(&cur, false);
    if (rc != 0) return -1;
    cur = next;
    held = !last;
  }
  *out = cur;
  return 0;
}

static ct_module *build_children(const ct_module_kind *kind, ct_module *const *mods, int n) {
  ct_module *m = ct_module_new(kind);
  bool failed = m == NULL;
  for (int i = 0; i < n; i++) {
    if (failed || !mods[i]) {
      ct_module_free(mods[i]); /* takes every reference it was given, also on failure */
      failed = true;
      continue;
    }
    char name[24];
    snprintf(name, sizeof name, "%d", i);
    failed = !ct_module_register_module(m, name, mods[i]);
  }
  if (failed) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static ct_module *build_sequential(const ct_values *args);
const ct_module_kind ct__nn_kind_sequential = {
    .name = "Sequential", .forward = sequential_forward, .build = build_sequential};

ct_module *ct_nn_sequential_n(ct_module *const *modules, int n) {
  return build_children(&ct__nn_kind_sequential, modules, n);
}

static ct_module *build_sequential(const ct_values *args) {
  if (args->n) return ct__err("Sequential: build it from JSON \"modules\", not from arguments");
  return ct_nn_sequential_n(NULL, 0);
}

/* ---- ModuleList / ModuleDict ---------------------------------------------------------- */
static ct_module *build_empty_list(const ct_values *args);
const ct_module_kind ct__nn_kind_module_list = {.name = "ModuleList", .build = build_empty_list};
const ct_module_kind ct__nn_kind_module_dict = {.name = "ModuleDict", .build = build_empty_list};

ct_module *ct_nn_module_list_n(ct_module *const *modules, int n) {
  return build_children(&ct__nn_kind_module_list, modules, n);
}

ct_module *ct_nn_module_dict(void) { return ct_module_new(&ct__nn_kind_module_dict); }

static ct_module *build_empty_list(const ct_values *args) {
  (void)args;
  return ct__err("ModuleList / ModuleDict: build them from JSON \"modules\"");
}

static bool is_module_container(const ct_module *m) {
  return m->kind == &ct__nn_kind_sequential || m->kind == &ct__nn_kind_module_list ||
         m->kind == &ct__nn_kind_module_dict;
}
static bool is_param_container(const ct_module *m) {
  return m->kind == &ct__nn_kind_parameter_list || m->kind == &ct__nn_kind_parameter_dict;
}

int64_t ct_module_len(const ct_module *m) {
  if (!m) return -1;
  if (is_module_container(m)) return m->impl->children.n;
  if (is_param_container(m)) return m->impl->params.n;
  return ct__errs("object of type '%s' has no len()", m->kind->name);
}

static int need_list(const ct_module *m, const char *what) {
  if (m->kind == &ct__nn_kind_sequential || m->kind == &ct__nn_kind_module_list) return 0;
  return ct__errs("'%s' object has no attribute '%s'", m->kind->name, what);
}

ct_module *ct_module_append(ct_module *m, ct_module *child) {
  if (!m || !child || need_list(m, "append") != 0) {
    ct_module_free(child);
    return NULL;
  }
  char name[24];
  snprintf(name, sizeof name, "%d", m->impl->children.n);
  return ct_module_register_module(m, name, child) ? m : NULL;
}

/* self._modules[to] = self._modules[from] (a new reference in the slot). */
static int move_slot(ct_module *m, int64_t to, int64_t from) {
  char a[24], b[24];
  snprintf(a, sizeof a, "%lld", (long long)to);
  snprintf(b, sizeof b, "%lld", (long long)from);
  int i = nn_find(&m->impl->children, b);
  if (i < 0) return ct__errs("'%s'", b);
  void *old;
  ct_module *mod = ct_module_retain(m->impl->children.e[i].m);
  if (nn_list_put(&m->impl->children, a, mod, false, &old) != 0) {
    ct_module_free(mod);
    return -1;
  }
  ct_module_free(old);
  return 0;
}

ct_module *ct_module_insert(ct_module *m, int64_t index, ct_module *child) {
  if (!m || !child || need_list(m, "insert") != 0) {
    ct_module_free(child);
    return NULL;
  }
  int64_t n = m->impl->children.n;
  if (m->kind == &ct__nn_kind_sequential) {
    if (index < -n || index > n) {
      ct_module_free(child);
      return ct__err("Index out of range: %lld", (long long)index);
    }
    if (index < 0) index += n;
  }
  for (int64_t i = n; i > index; i--)
    if (move_slot(m, i, i - 1) != 0) {
      ct_module_free(child);
      return NULL;
    }
  char name[24];
  snprintf(name, sizeof name, "%lld", (long long)index);
  void *old;
  if (nn_list_put(&m->impl->children, name, child, false, &old) != 0) {
    ct_module_free(child);
    return NULL;
  }
  ct_module_free(old);
  return m;
}

static int64_t abs_index(int64_t idx, int64_t size) {
  if (idx < -size || idx >= size) {
    ct__err("index %lld is out of range", (long long)idx);
    return -1;
  }
  return idx < 0 ? idx + size : idx;
}

ct_module *ct_module_at(const ct_module *m, int64_t index) {
  if (!m) return NULL;
  if (need_list(m, "__getitem__") != 0) return NULL;
  int64_t i = abs_index(index, m->impl->children.n);
  if (i < 0) return NULL;
  if (m->kind == &ct__nn_kind_sequential) return m->impl->children.e[i].m; /* by position */
  char name[24];
  snprintf(name, sizeof name, "%lld", (long long)i);
  int k = nn_find(&m->impl->children, name);
  if (k < 0) return ct__err("'%s'", name);
  return m->impl->children.e[k].m;
}

/* Python's slice.indices(len). */
static void slice_indices(int64_t len, int64_t *start, int64_t *stop, int64_t step) {
  int64_t lo = step < 0 ? -1 : 0, hi = step < 0 ? len - 1 : len;
  if (*start == CT_NONE) {
    *start = step < 0 ? hi : lo;
  } else {
    if (*start < 0) *start += len;
    *start = *start < lo ? lo : *start > hi ? hi : *start;
  }
  if (*stop == CT_NONE) {
    *stop = step < 0 ? lo : hi;
  } else {
    if (*stop < 0) *stop += len;
    *stop = *stop < lo ? lo : *stop > hi ? hi : *stop;
  }
}

ct_module *ct_sequential_slice(const ct_module *m, int64_t start, int64_t stop, int64_t step) {
  if (!m) return NULL;
  if (m->kind != &ct__nn_kind_sequential)
    return ct__err("ct_sequential_slice: '%s' is not a Sequential", m->kind->name);
  if (step == CT_NONE) step = 1;
  if (step == 0) return ct__err("slice step cannot be zero");
  const nn_list *c = &m->impl->children;
  slice_indices(c->n, &start, &stop, step);
  ct_module *r = ct_nn_sequential_n(NULL, 0);
  for (int64_t i = start; r && (step > 0 ? i < stop : i > stop); i += step)
    if (!ct_module_register_module(r, c->e[i].name, ct_module_retain(c->e[i].m))) {
      ct_module_free(r);
      r = NULL;
    }
  return r;
}

ct_module *ct_module_dict_set(ct_module *m, const char *key, ct_module *child) {
  if (!m || !child) {
    ct_module_free(child);
    return NULL;
  }
  if (m->kind != &ct__nn_kind_module_dict) {
    ct_module_free(child);
    return ct__err("'%s' object does not support item assignment", m->kind->name);
  }
  return ct_module_register_module(m, key, child);
}

ct_module *ct_module_dict_get(const ct_module *m, const char *key) {
  if (!m || !key) return NULL;
  if (m->kind != &ct__nn_kind_module_dict)
    return ct__err("'%s' object is not subscriptable", m->kind->name);
  int i = nn_find(&m->impl->children, key);
  if (i < 0) return ct__err("'%s'", key);
  return m->impl->children.e[i].m;
}

/* ---- ParameterList / ParameterDict ---------------------------------------------------- */
static const char *legacy_type(ct_dtype dt) {
  switch (dt) {
    case CT_BOOL: return "torch.BoolTensor";
    case CT_UINT8: return "torch.ByteTensor";
    case CT_INT8: return "torch.CharTensor";
    case CT_INT16: return "torch.ShortTensor";
    case CT_INT32: return "torch.IntTensor";
    case CT_INT64: return "torch.LongTensor";
    case CT_FLOAT32: return "torch.FloatTensor";
    case CT_FLOAT64: return "torch.DoubleTensor";
    default: return "?";
  }
}

/* "  (k): Parameter containing: [torch.float32 of size 3x4]" lines; ParameterList names
 * the dtype, ParameterDict the legacy type name (as 1.13 does). */
static void params_repr(const ct_module *m, char *buf, size_t n) {
  ct__strbuf b = {0};
  const nn_list *l = &m->impl->params;
  bool dict = m->kind == &ct__nn_kind_parameter_dict;
  for (int i = 0; i < l->n; i++) {
    const ct_tensor *t = l->e[i].t;
    ct__sb_printf(&b, "%s  (%s): Parameter containing: [%s of size ", i ? "\n" : "", l->e[i].name,
              dict ? legacy_type(ct_dtype_of(t)) : ct_dtype_name(ct_dtype_of(t)));
    for (int d = 0; d < ct_dim(t); d++) ct__sb_printf(&b, "%s%lld", d ? "x" : "", (long long)ct_shape(t)[d]);
    ct__sb_puts(&b, "]");
  }
  snprintf(buf, n, "%s", b.s ? b.s : "");
  free(b.s);
}

const ct_module_kind ct__nn_kind_parameter_list = {
    .name = "ParameterList", .extra_repr = params_repr, .build = build_empty_list};
const ct_module_kind ct__nn_kind_parameter_dict = {
    .name = "ParameterDict", .extra_repr = params_repr, .build = build_empty_list};

ct_module *ct_nn_parameter_list_n(ct_tensor *const *params, int n) {
  ct_module *m = ct_module_new(&ct__nn_kind_parameter_list);
  for (int i = 0; m && i < n; i++)
    if (!ct_parameter_list_append(m, params[i])) {
      ct_module_free(m);
      m = NULL;
    }
  return m;
}

ct_module *ct_nn_parameter_dict(void) { return ct_module_new(&ct__nn_kind_parameter_dict); }

ct_tensor *ct_parameter_list_append(ct_module *m, ct_tensor *t) {
  if (!m || !t) return NULL;
  if (m->kind != &ct__nn_kind_parameter_list)
    return ct__err("'%s' object has no attribute 'append'", m->kind->name);
  char name[24];
  snprintf(name, sizeof name, "%d", m->impl->params.n);
  return ct_module_register_parameter(m, name, t);
}

ct_tensor *ct_parameter_list_at(const ct_module *m, int64_t index) {
  if (!m) return NULL;
  if (m->kind != &ct__nn_kind_parameter_list)
    return ct__err("'%s' object is not subscriptable", m->kind->name);
  int64_t i = abs_index(index, m->impl->params.n);
  return i < 0 ? NULL : m->impl->params.e[i].t;
}

ct_tensor *ct_parameter_dict_set(ct_module *m, const char *key, ct_tensor *t) {
  if (!m || !t) return NULL;
  if (m->kind != &ct__nn_kind_parameter_dict)
    return ct__err("'%s' object does not support item assignment", m->kind->name);
  return ct_module_register_parameter(m, key, t);
}

ct_tensor *ct_parameter_dict_get(const ct_module *m, const char *key) {
  if (!m || !key) return NULL;
  if (m->kind != &ct__nn_kind_parameter_dict)
    return ct__err("'%s' object is not subscriptable", m->kind->name);
  int i = nn_find(&m->impl->params, key);
  if (i < 0) return ct__err("'%s'", key);
  return m->impl->params.e[i].t;
}
