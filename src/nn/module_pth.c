/* m.load_state_dict(torch.load(path), strict) and torch.save(m.state_dict(), path): in the nn layer, which may call io (the
 * reader in src/io/pth.c knows nothing of modules). */
#include <string.h>

#include "ctorch.h"
#include "../tensor/error.h"

int ct_module_load_pth(ct_module *m, const char *path, bool strict) {
  if (!m) return ct__errs("ct_module_load_pth: module is NULL");
  ct_tensor_map *sd = ct_pth_load_state_dict(path);
  if (!sd) return -1;
  int rc = ct_module_load_state_dict(m, sd, strict, NULL);
  ct_tensor_map_free(sd);
  return rc;
}

/* Module._version: 2 for _NormBase's subclasses (BatchNorm*, InstanceNorm*, their Lazy forms,
 * SyncBatchNorm), 1 for every other module of torch.nn 1.13. */
static int module_version(const ct_module *m) {
  const char *n = ct_module_name(m);
  return n && (strstr(n, "BatchNorm") || strstr(n, "InstanceNorm")) ? 2 : 1;
}

/* state_dict._metadata: OrderedDict(prefix -> {'version': N}) in named_modules order. */
static ct_pth_value *state_dict_metadata(const ct_module *m) {
  ct_module_list l = ct_module_named_modules(m);
  ct_pth_value *md = ct_pth_new_ordered_dict();
  int rc = md ? 0 : -1;
  for (int i = 0; i < l.n && !rc; i++) {
    ct_pth_value *v = ct_pth_new_dict();
    rc = ct_pth_dict_set(md, l.names[i], v) || ct_pth_dict_set(v, "version", ct_pth_new_int(module_version(l.modules[i])));
  }
  ct_module_list_free(&l);
  if (rc) ct_pth_free(md);
  return rc ? NULL : md;
}

int ct_module_save_pth(const ct_module *m, const char *path) {
  if (!m) return ct__errs("ct_module_save_pth: module is NULL");
  ct_tensor_map *sd = ct_module_state_dict(m);
  ct_pth_value *d = sd ? ct_pth_from_tensor_map(sd) : NULL;
  int rc = d ? ct_pth_set_metadata(d, state_dict_metadata(m)) : -1;
  if (!rc) rc = ct_pth_save(path, d);
  ct_pth_free(d);
  ct_tensor_map_free(sd);
  return rc;
}
