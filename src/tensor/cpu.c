/* The one run-time SIMD dispatch decision (see cpu.h). */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

/* -1 until detected. Racing first callers compute the same value, so a relaxed store is
 * enough; the getenv result only lowers it. */
_Atomic int ct__cpu_level_cached = -1;

static ct_cpu_level hardware_level(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
    return CT_CPU_AVX512;
#endif
  return CT_CPU_AVX2;
}

ct_cpu_level ct__cpu_level_detect(void) {
  ct_cpu_level l = hardware_level();
  const char *e = getenv("CT_CPU");
  if (e && !strcmp(e, "avx2")) l = CT_CPU_AVX2;
  atomic_store_explicit(&ct__cpu_level_cached, (int)l, memory_order_relaxed);
  return l;
}

ct_cpu_level ct__cpu_set_level(ct_cpu_level l) {
  ct_cpu_level prev = ct__cpu_level(), hw = hardware_level();
  atomic_store_explicit(&ct__cpu_level_cached, (int)(l < hw ? l : hw), memory_order_relaxed);
  return prev;
}

bool ct__env_switch(_Atomic int *cache, const char *name) {
  int f = atomic_load_explicit(cache, memory_order_relaxed);
  if (f < 0) {
    const char *e = getenv(name);
    f = e && e[0] && e[0] != '0';
    atomic_store_explicit(cache, f, memory_order_relaxed);
  }
  return f;
}
