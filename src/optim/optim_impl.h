/* The optimizer object itself, shared by optim.c (groups, options, state, stepping) and
 * state_dict.c (save / load). Kinds never see it: they go through optim_internal.h. */
#ifndef CT_OPTIM_IMPL_H
#define CT_OPTIM_IMPL_H

#include "optim_internal.h"

#define OPTIM_KEY 32 /* longest option or state key, with its NUL */

/* One option of a param group: PyTorch's param_groups[g][key]. */
typedef struct optim_val {
  char key[OPTIM_KEY];
  optim_opt_type type; /* OPTIM_NUM, _BOOL, _PAIR, _STR, _NONE_NUM (NaN: None), _REQUIRED */
  bool is_int;         /* given as a Python int: printed without ".0" */
  double v[2];
  char *s; /* OPTIM_STR (malloc'd) */
} optim_val;

typedef struct optim_group {
  ct_tensor **params; /* retained */
  int n;
  optim_val *vals;
  int nvals;
} optim_group;

/* optimizer.state[p]: key -> tensor (retained). */
typedef struct optim_entry {
  char key[OPTIM_KEY];
  ct_tensor *t;
} optim_entry;
typedef struct optim_pstate {
  const ct_tensor *p;
  optim_entry *e;
  int n;
} optim_pstate;

struct ct_optim {
  const optim_kind *kind;
  optim_group defaults; /* params unused: the constructor's options */
  optim_group *groups;
  int ng;
  optim_pstate *states; /* dense; found through the pointer hash below */
  int nstates, cap_states;
  int *hash; /* open addressing: index into states, -1 empty */
  int hash_cap;
};

/* The group g (-1: the defaults). */
const optim_group *optim_group_at(const ct_optim *o, int g);
const optim_val *optim_val_find(const optim_group *gr, const char *key);
/* Drops every per-parameter state (load_state_dict replaces them). */
void optim_state_clear(ct_optim *o);
/* Copies src's options into dst (dst->vals replaced); 0 or -1. */
int optim_vals_copy(optim_group *dst, const optim_group *src);
void optim_vals_free(optim_group *gr);
/* Python's str() of an option value ("0.001", "1e-05", "-1", "True", "(0.9, 0.999)"). */
void optim_val_repr(const optim_val *v, int idx, char *buf, size_t n);

#endif
