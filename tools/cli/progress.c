/* Progress while training: a live bar on a terminal (redrawn in place a few times a second),
 * plain lines (about ten per epoch) when the output goes to a file or a pipe. */
#include "cli.h"

#include <time.h>
#include <unistd.h>

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_start(cli_progress *p, int epoch, int epochs, int64_t batches, int64_t batch_size) {
  *p = (cli_progress){.tty = isatty(STDOUT_FILENO), .epoch = epoch, .epochs = epochs, .batches = batches,
                      .batch_size = batch_size, .t0 = cli_now()};
}

static void fmt_secs(char *buf, size_t n, double s) {
  if (s < 0 || s > 1e7) s = 0;
  int t = (int)(s + 0.5);
  if (t >= 3600) snprintf(buf, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else snprintf(buf, n, "%d:%02d", t / 60, t % 60);
}

void cli_progress_step(cli_progress *p, int64_t batch, double loss) {
  double now = cli_now(), el = now - p->t0;
  bool last = batch == p->batches;
  if (p->tty ? (now - p->last < 0.1 && !last) : (batch * 10 / p->batches == p->last_plain && !last)) return;
  p->last = now;
  p->last_plain = batch * 10 / p->batches;
  double rate = el > 0 ? (double)(batch * p->batch_size) / el : 0;
  char eta[32], spent[32];
  fmt_secs(eta, sizeof eta, batch ? el / (double)batch * (double)(p->batches - batch) : 0);
  fmt_secs(spent, sizeof spent, el);
  if (p->tty) {
    enum { W = 30 };
    char bar[W + 1];
    int fill = (int)(W * batch / p->batches);
    for (int i = 0; i < W; i++) bar[i] = i < fill ? '#' : i == fill ? '>' : '.';
    bar[W] = 0;
    printf("\repoch %d/%d [%s] %lld/%lld  loss %.4f  %.0f samples/s  %s<%s ", p->epoch, p->epochs, bar,
           (long long)batch, (long long)p->batches, loss, rate, spent, eta);
  } else {
    printf("epoch %d/%d batch %lld/%lld  loss %.4f  %.0f samples/s  ETA %s\n", p->epoch, p->epochs,
           (long long)batch, (long long)p->batches, loss, rate, eta);
  }
  fflush(stdout);
}

void cli_progress_end(cli_progress *p) {
  if (p->tty) printf("\r\033[K"); /* the epoch's line replaces the bar */
  fflush(stdout);
}
