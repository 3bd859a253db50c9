/* The parity runner (docs: PARITY.md): replays PyTorch-generated cases through ctorch's public
 * API. A case's function name selects a handler; the handler maps PyTorch's positional and
 * keyword arguments (defaults included) onto the ctorch call. Anything a handler does not
 * read makes the case a skip, so an unsupported keyword can never pass silently. */
#ifndef CT_PARITY_H
#define CT_PARITY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctorch.h"

#define PARITY_MAX_OUT 16
#define PARITY_MAX_KW 32
#define PARITY_MSG 512

/* One call being mapped: arguments in, outputs out. */
typedef struct pcall {
  const cJSON *args;   /* array (may be NULL) */
  const cJSON *kwargs; /* object (may be NULL) */
  ct_tensor_map *map;  /* the case's tensors */
  int nargs;
  int max_pos;                        /* positional args read: [0, max_pos) */
  const char *used[PARITY_MAX_KW];    /* keywords read */
  int nused;
  char skip[PARITY_MSG];              /* non-empty: the case is skipped for this reason */
  ct_tensor *out[PARITY_MAX_OUT];
  int nout;
  bool failed; /* an output was NULL: ctorch reported an error */
  const void *data; /* the handler's table data */
} pcall;

/* Returns 0; a ctorch failure is recorded through p_out (NULL output), a skip in c->skip. */
typedef int (*parity_fn)(pcall *c);
typedef struct parity_handler {
  const char *name; /* PyTorch's name: "torch.add", "Tensor.view", "F.pad" */
  parity_fn fn;
  const void *data; /* per-entry data (the ctorch function to call) */
} parity_handler;

/* Handler tables, each ended by {NULL}. Each dispatch_*.c registers its own with
 * PARITY_TABLE(table) after it, at load time, so a new op family adds one file and touches no
 * central list (the runner and its test link every dispatch object). */
void parity_register(const parity_handler *table);
#define PARITY_TABLE(table) \
  __attribute__((constructor)) static void parity_register_##table(void) { parity_register(table); }
const parity_handler *parity_find(const char *name);

/* ---- argument access (args.c) --------------------------------------------------------
 * Each getter reads positional pos (pos < 0: keyword-only) or keyword kw, marks it read, and
 * returns def when absent. A value of the wrong kind sets c->skip and returns def. */
void p_skip(pcall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const cJSON *p_arg(pcall *c, int pos, const char *kw);
bool p_is_tensor(const cJSON *v);
bool p_is_number(const cJSON *v); /* a number or {"float": "inf"|"-inf"|"nan"} */
double p_number(const cJSON *v);
ct_tensor *p_tensor_of(pcall *c, const cJSON *v, const char *what);
/* A required tensor. */
ct_tensor *p_tensor(pcall *c, int pos, const char *kw);
/* An optional tensor (bias=None ...): NULL when absent or null. */
ct_tensor *p_tensor_opt(pcall *c, int pos, const char *kw);
/* A Python number or a tensor as a tensor operand (numbers become wrapped scalars). */
ct_tensor *p_operand(pcall *c, int pos, const char *kw);
double p_num(pcall *c, int pos, const char *kw, double def);
int64_t p_int(pcall *c, int pos, const char *kw, int64_t def);
/* A required int (absent: skip). */
int64_t p_int_req(pcall *c, int pos, const char *kw);
/* An optional int: null or absent give CT_NONE. */
int64_t p_int_opt(pcall *c, int pos, const char *kw);
bool p_bool(pcall *c, int pos, const char *kw, bool def);
const char *p_str(pcall *c, int pos, const char *kw, const char *def);
/* An int or a list of ints into out; returns the count, or -1 when absent / null. */
int p_ints(pcall *c, int pos, const char *kw, int64_t *out, int cap);
/* dims for reductions: int, list, null or absent (all dims). */
ct_dims p_dims(pcall *c, int pos, const char *kw);
/* Sizes as Tensor.view / permute / expand / repeat take them: either one list at `from`
 * or the remaining positional ints; or the keyword kw. Returns the count or -1. */
int p_varargs(pcall *c, int from, const char *kw, int64_t *out, int cap);
/* "torch.float64" -> CT_FLOAT64; absent / null -> CT_DTYPE_UNSET. */
ct_dtype p_dtype(pcall *c, int pos, const char *kw);
/* A list of tensors (torch.cat). Returns the count. */
int p_tensors(pcall *c, int pos, const char *kw, ct_tensor **out, int cap);
/* Record an output; a NULL output marks the call failed. Returns 0. */
int p_out(pcall *c, ct_tensor *t);
int p_pair(pcall *c, ct_tensor_pair p);
/* Skip unless the keyword is absent or has the given value (e.g. inplace=False). */
void p_expect_bool(pcall *c, int pos, const char *kw, bool value);
void p_expect_null(pcall *c, int pos, const char *kw);
/* A loss's reduction: reduction='mean' | 'sum' | 'none' | 'batchmean' at pos_red, or the legacy
 * size_average / reduce at theirs when either is given (_Reduction.legacy_get_string: None
 * counts as True). A position -1 is keyword-only, -2 a parameter the function does not have. */
ct_reduction p_reduction(pcall *c, int pos_sa, int pos_reduce, int pos_red);
#define P_CHECK(c) \
  do {             \
    if ((c)->skip[0]) return 0; \
  } while (0)

/* ---- shared handlers ----------------------------------------------------------------
 * parity_h_unary: f(input); data is a p_unary. parity_h_binary: f(input, other) where other
 * may be a Python number (scalar form when the entry has one, else a wrapped scalar). */
typedef struct p_unary {
  ct_tensor *(*fn)(const ct_tensor *);
} p_unary;
typedef struct p_binary {
  ct_tensor *(*fn)(const ct_tensor *, const ct_tensor *);
  ct_tensor *(*scalar)(const ct_tensor *, double); /* may be NULL */
  const char *a, *b;                               /* keyword names: "input", "other" */
} p_binary;
/* f(input, sizes): a list of ints at position 1, or (varargs) the remaining positional ints. */
typedef struct p_sizes {
  ct_tensor *(*fn)(const ct_tensor *, int, const int64_t *);
  const char *kw; /* the keyword name: "size", "dims", "shape", "repeats" */
  bool varargs;   /* Tensor.view(2, 3) as well as Tensor.view((2, 3)) */
} p_sizes;
int parity_h_unary(pcall *c);
int parity_h_binary(pcall *c);
int parity_h_sizes(pcall *c);
#define P_SIZES(name, f, kw, varargs) {name, parity_h_sizes, &(const p_sizes){f, kw, varargs}}
#define P_UNARY(name, f) {name, parity_h_unary, &(const p_unary){f}}
#define P_BINARY(name, f, s, a, b) {name, parity_h_binary, &(const p_binary){f, s, a, b}}

/* ---- comparison and cases (runner.c) ------------------------------------------------- */
/* |got - exp| <= atol + rtol * |exp| elementwise, NaN equal to NaN, exact shape and dtype.
 * Returns true when they match; otherwise writes the first difference into why. */
bool parity_compare(const ct_tensor *got, const ct_tensor *exp, double rtol, double atol,
                    char *why, size_t n);

/* PARITY_REFUSED: the half mode only (half_mode.c): ctorch declined the 16-bit case with an error. */
typedef enum { PARITY_PASS = 0, PARITY_FAIL, PARITY_SKIP, PARITY_REFUSED } parity_status;
/* Runs one case file; reason gets the failure or skip message. */
parity_status parity_run_file(const char *path, char *reason, size_t n);
/* Runs one case already loaded (map holds its tensors; case_json the "case" document). */
parity_status parity_run_case(ct_tensor_map *map, const char *case_json, char *reason, size_t n);

/* snprintf into a reason buffer. */
void parity_say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* JSON arguments (a list) and keywords (an object) as a ct_values list, tuples flattened after
 * their header, tensors by their key in map. 0, or -1 with the reason written. */
int parity_json_values(ct_tensor_map *map, const cJSON *args, const cJSON *kwargs, ct_values *out,
                       char *reason, size_t n);
/* An "optimizer" case (optim_case.c), cs its JSON; runs inside the caller's scope. */
parity_status parity_run_optimizer(ct_tensor_map *map, const cJSON *cs, const char *name, char *reason,
                                   size_t n);
/* Its "scheduler" (dispatch_scheduler.c): built on o (NULL: *st says fail or skip), then after
 * optimizer step `step`, scheduler.step() (or step(metrics[step])) and the groups' lrs vs
 * "lrs"[step]. */
ct_lr_scheduler *parity_scheduler_build(ct_tensor_map *map, const cJSON *cs, ct_optim *o, char *reason, size_t n,
                                        parity_status *st);
parity_status parity_scheduler_step(const cJSON *cs, ct_lr_scheduler *s, ct_optim *o, int step, double rtol,
                                    double atol, char *reason, size_t n);

typedef struct parity_totals {
  int passed, failed, skipped, refused;
} parity_totals;

/* ---- the half mode (half_mode.c): ct-parity --dtype float16|bfloat16 -----------------------
 * Every case whose floating tensors are float32 runs twice: first in float32 on its inputs
 * rounded through the 16-bit dtype, keeping what ctorch computes as the reference (capture);
 * then on the inputs cast to the 16-bit dtype (a module moved to it), each output and gradient
 * compared with that reference within the dtype's tolerance. A ctorch error in the second run
 * is a refusal (PARITY_REFUSED), a difference a failure. */
typedef struct parity_half {
  ct_dtype dtype;   /* CT_DTYPE_UNSET: the mode is off */
  bool capture;     /* the reference run */
  bool allow_f32;   /* the case asks for float32 results (dtype=torch.float32) */
  bool mismatch;    /* a comparison failed (not a ctorch error) */
} parity_half;
extern parity_half parity_half_mode;
parity_status parity_run_file_half(const char *path, char *reason, size_t n);
bool parity_half_capture(ct_tensor_map *map, const char *key, const ct_tensor *got, char *why, size_t n);
bool parity_half_compare(const ct_tensor *got, const ct_tensor *exp, bool grad, char *why, size_t n);
/* Runs a file or every *.safetensors under a folder (sorted), printing a line per failing or
 * skipped case to out. Returns 0, or -1 when the path cannot be read. */
int parity_run_path(const char *path, parity_totals *tot, FILE *out);

#endif
