/* Anomaly mode (torch.autograd.set_detect_anomaly): while on, every node remembers where
 * its forward ran (a backtrace, symbolised only when something fails), the engine checks
 * each backward's outputs for NaN, and a failing backward reports the node and that
 * trace before its error reaches the caller. */
#include "autograd_impl.h"
#include "../tensor/strbuf.h"
#include <execinfo.h>
#include <stdatomic.h>

/* Process-wide, as PyTorch 1.13's AnomalyMode: set before starting worker threads. */
static atomic_bool g_anomaly;
static _Thread_local char *g_report;

bool ct_set_detect_anomaly(bool enabled) {
  return atomic_exchange_explicit(&g_anomaly, enabled, memory_order_relaxed);
}
bool ct_is_anomaly_enabled(void) { return atomic_load_explicit(&g_anomaly, memory_order_relaxed); }

enum { MAX_FRAMES = 32, SKIP_FRAMES = 2 /* this function and ct__node_alloc */ };
struct ct_anomaly_meta {
  int n;
  void *frames[MAX_FRAMES];
};

void ct__anomaly_record(ct_node *n) {
  ct_anomaly_meta *m = malloc(sizeof *m);
  if (!m) return; /* the trace is a diagnostic: its absence is no error */
  m->n = backtrace(m->frames, MAX_FRAMES);
  n->anomaly = m;
}

const char *ct_anomaly_report(void) { return g_report; }

/* Called by the engine when n's backward failed: PyTorch's warning, with the forward's
 * frames in place of the Python traceback; kept for ct_anomaly_report(). */
void ct__anomaly_report(const ct_node *n) {
  ct__strbuf b = {0};
  ct__sb_puts(&b, "Error detected in ");
  ct__sb_puts(&b, n->name);
  ct__sb_puts(&b, ". Traceback of forward call that caused the error:\n");
  const ct_anomaly_meta *m = n->anomaly;
  char **sym = m && m->n > SKIP_FRAMES ? backtrace_symbols(m->frames + SKIP_FRAMES, m->n - SKIP_FRAMES)
                                       : NULL;
  if (sym) {
    for (int i = 0; i < m->n - SKIP_FRAMES; i++) {
      ct__sb_puts(&b, "  ");
      ct__sb_puts(&b, sym[i]);
      ct__sb_puts(&b, "\n");
    }
    free(sym);
  } else {
    ct__sb_puts(&b, "  (no trace: the node was made while anomaly mode was off)\n");
  }
  if (b.oom) {
    free(b.s);
    return;
  }
  ct__cache_arm(); /* frees the report at thread exit */
  free(g_report);
  g_report = b.s;
  fprintf(stderr, "ctorch warning: %s", g_report);
}

void ct__anomaly_thread_exit(void) {
  free(g_report);
  g_report = NULL;
}
