/* Misuse a C user will make stops with a clear message instead of corrupting memory: a second
 * ct_release, ct_release of a tensor its scope owns, and (debug mode: CT_DEBUG=1) using a
 * tensor after its scope ended. Each misuse runs in a forked child whose stderr comes back
 * through a pipe; the child must abort with the message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctorch.h"
#include "internal.h" /* ct__set_debug */

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define UNDER_ASAN 1 /* freed structs go back to malloc: ASan reports the reuse itself */
#else
#define UNDER_ASAN 0
#endif

/* Run fn in a child (debug mode on or off); assert it aborted and its stderr holds every
 * string of want (NULL-terminated). */
static void expect_abort(void (*fn)(void), bool debug, const char *const *want) {
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 2);
    ct__set_debug(debug);
    fn();
    _exit(0); /* not reached when the misuse is caught */
  }
  close(fd[1]);
  static char buf[16384];
  size_t n = 0;
  ssize_t k;
  while (n < sizeof buf - 1 && (k = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)k;
  buf[n] = 0;
  close(fd[0]);
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT) fail_msg("child did not abort; stderr:\n%s", buf);
  for (int i = 0; want[i]; i++)
    if (!strstr(buf, want[i])) fail_msg("stderr lacks \"%s\":\n%s", want[i], buf);
}

/* Not static: debug mode's backtrace names the function that made the tensor. */
__attribute__((noinline)) void misuse_release_twice(void) {
  ct_tensor *t = ct_zeros(CT_SHAPE(2, 3));
  ct_release(t);
  ct_release(t); /* the free list handed one struct out twice, then SIGSEGV */
}

__attribute__((noinline)) void misuse_release_scope_owned(void) {
  ct_scope_begin();
  ct_tensor *t = ct_zeros(CT_SHAPE(4), .dtype = CT_INT64);
  ct_release(t); /* the scope releases it again when it ends */
  ct_scope_end();
}

__attribute__((noinline)) void misuse_use_after_scope(void) {
  ct_scope_begin();
  ct_tensor *t = ct_ones(CT_SHAPE(5, 1), .dtype = CT_FLOAT64);
  ct_scope_end();
  ct_scope_begin();
  ct_ones(CT_SHAPE(5, 1)); /* without quarantine this one would reuse t's struct */
  ct_print(ct_mul_scalar(t, 2));
  ct_scope_end();
}

static void test_release_twice_stops(void **s) {
  (void)s;
  const char *want[] = {"ct_release of a tensor already freed", "shape [2, 3]", "torch.float32",
                        NULL};
  if (!UNDER_ASAN) expect_abort(misuse_release_twice, false, want);
  const char *want_dbg[] = {"ct_release of a tensor already freed", "shape [2, 3]", "made at",
                            "misuse_release_twice", NULL};
  expect_abort(misuse_release_twice, true, want_dbg);
}

static void test_release_of_scope_owned_stops(void **s) {
  (void)s;
  const char *want[] = {"ct_release of a tensor its scope owns", "shape [4]", "torch.int64",
                        "CT_DEBUG=1", NULL};
  expect_abort(misuse_release_scope_owned, false, want);
  const char *want_dbg[] = {"ct_release of a tensor its scope owns", "made at",
                            "misuse_release_scope_owned", NULL};
  expect_abort(misuse_release_scope_owned, true, want_dbg);
}

static void test_use_after_scope_stops_in_debug_mode(void **s) {
  (void)s;
  const char *want[] = {"use of a freed tensor", "shape [5, 1]", "torch.float64", "made at",
                        "misuse_use_after_scope", NULL};
  expect_abort(misuse_use_after_scope, true, want);
}

/* Debug mode changes nothing for correct code, and the live count stays exact. */
static void test_debug_mode_correct_code(void **s) {
  (void)s;
  ct__set_debug(true);
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *w = ct_ones(CT_SHAPE(3), .requires_grad = true);
  ct_backward(ct_sum(ct_mul(w, w)));
  assert_float_equal(ct_item(ct_sum(ct_grad(w))), 6.0, 0);
  ct_tensor *k = ct_retain(ct_reshape(w, CT_SHAPE(3, 1)));
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live + 3); /* k, its base w and w.grad */
  ct_release(k);
  assert_int_equal(ct_live_tensors(), live);
  ct__set_debug(getenv("CT_DEBUG") && strcmp(getenv("CT_DEBUG"), "0"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_release_twice_stops),
      cmocka_unit_test(test_release_of_scope_owned_stops),
      cmocka_unit_test(test_use_after_scope_stops_in_debug_mode),
      cmocka_unit_test(test_debug_mode_correct_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
