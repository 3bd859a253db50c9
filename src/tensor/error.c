/* Error recording: the first message wins until cleared, so a chain of calls can be
 * checked once at its end. Thread-local, like errno. */
#include "loops.h"

static _Thread_local char g_msg[1024];
static _Thread_local bool g_has;
static ct_error_mode g_mode = CT_ERRORS_RETURN;
static ct_error_handler g_handler;
static void *g_handler_user;

const char *ct_last_error(void) { return g_has ? g_msg : NULL; }
void ct_clear_error(void) { g_has = false; g_msg[0] = 0; }
void ct_set_error_mode(ct_error_mode mode) { g_mode = mode; }
void ct_set_error_handler(ct_error_handler fn, void *user) {
  g_handler = fn;
  g_handler_user = user;
}
bool ct__has_error(void) { return g_has; }

static _Thread_local int g_defer;
static _Thread_local bool g_deferred;

/* The handler and the abort mode act on the recorded message. */
static void raise_recorded(void) {
  if (g_handler) g_handler(g_msg, g_handler_user);
  if (g_mode == CT_ERRORS_ABORT) {
    fprintf(stderr, "ctorch error: %s\n", g_msg);
    abort();
  }
}

void ct__error_defer_begin(void) { g_defer++; }
void ct__error_defer_end(void) {
  if (--g_defer > 0 || !g_deferred) return;
  g_deferred = false;
  raise_recorded();
}

static void record(const char *fmt, va_list ap) {
  vsnprintf(g_msg, sizeof g_msg, fmt, ap);
  g_has = true;
  if (g_defer) {
    g_deferred = true;
    return;
  }
  raise_recorded();
}

void *ct__err(const char *fmt, ...) {
  if (g_has) return NULL;
  va_list ap;
  va_start(ap, fmt);
  record(fmt, ap);
  va_end(ap);
  return NULL;
}

int ct__errs(const char *fmt, ...) {
  if (g_has) return -1;
  va_list ap;
  va_start(ap, fmt);
  record(fmt, ap);
  va_end(ap);
  return -1;
}

int ct_set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  record(fmt, ap);
  va_end(ap);
  return -1;
}

const char *ct__shape_slot(int slot, int ndim, const int64_t *shape) {
  static _Thread_local char bufs[4][256];
  return ct__shape_str(ndim, shape, bufs[slot & 3], sizeof bufs[0]);
}

const char *ct__shape_str(int ndim, const int64_t *shape, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "[");
  for (int i = 0; i < ndim && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (k < len) snprintf(buf + k, len - k, "]");
  return buf;
}
