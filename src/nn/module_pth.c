/* m.load_state_dict(torch.load(path), strict) and torch.save(m.state_dict(), path): in the nn layer, which may call io (the
 * reader in src/io/pth.c knows nothing of modules). */
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

int ct_module_save_pth(const ct_module *m, const char *path) {
  if (!m) return ct__errs("ct_module_save_pth: module is NULL");
  ct_tensor_map *sd = ct_module_state_dict(m);
  int rc = sd ? ct_pth_save_state_dict(path, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}
