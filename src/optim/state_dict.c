/* optimizer.state_dict() / load_state_dict() and their safetensors files. */
#include "optim_impl.h"

ct_tensor_map *ct_optim_state_dict(const ct_optim *o) {
  if (!o) return ct__err("ctorch: optimizer is NULL");
  return ct__err("ctorch: optimizer state_dict is not implemented yet");
}

int ct_optim_load_state_dict(ct_optim *o, const ct_tensor_map *sd) {
  if (!o || !sd) return ct__errs("ctorch: optimizer or state_dict is NULL");
  return ct__errs("ctorch: optimizer load_state_dict is not implemented yet");
}

int ct_optim_save(const ct_optim *o, const char *path) {
  if (!path) return ct__errs("ctorch: path is NULL");
  ct_tensor_map *sd = ct_optim_state_dict(o);
  int rc = sd ? ct_safetensors_save(path, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}

int ct_optim_load(ct_optim *o, const char *path) {
  if (!o || !path) return ct__errs("ctorch: optimizer or path is NULL");
  ct_tensor_map *sd = ct_safetensors_load(path);
  int rc = sd ? ct_optim_load_state_dict(o, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}
