/* Run-time choice between the kernels built for the library's target (x86-64-v3 in Release:
 * AVX2 + FMA) and the same kernels built for AVX-512. One detection for the whole library,
 * cached, so a kernel may ask on every call. */
#ifndef CT_CPU_H
#define CT_CPU_H

#include <stdatomic.h>
#include <stdbool.h>

typedef enum {
  CT_CPU_AVX2 = 0,   /* the build's target: the kernels as compiled (x86-64-v3 in Release) */
  CT_CPU_AVX512 = 1, /* avx512f + avx512bw: the target("avx512f,avx512bw") copies may run */
} ct_cpu_level;

extern _Atomic int ct__cpu_level_cached; /* -1 until detected */
ct_cpu_level ct__cpu_level_detect(void);

/* Widest level this CPU runs, lowered by the environment variable CT_CPU=avx2 (to test the
 * narrower path on a wide machine). Detected once; later calls are one relaxed load. */
static inline ct_cpu_level ct__cpu_level(void) {
  int l = atomic_load_explicit(&ct__cpu_level_cached, memory_order_relaxed);
  if (l >= 0) return (ct_cpu_level)l;
  return ct__cpu_level_detect();
}
/* Tests: run at level l (capped at what the CPU has); returns the previous level. */
ct_cpu_level ct__cpu_set_level(ct_cpu_level l);

/* An on/off environment switch (set and not "0"), read once into *cache, which starts at -1;
 * racing first callers store the same answer. CT_CONV_IM2COL, CT_GEMM_BF16_WIDEN. */
bool ct__env_switch(_Atomic int *cache, const char *name);

#endif
