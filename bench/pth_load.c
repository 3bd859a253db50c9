/* torch.load of a 100 MB state_dict, against bench/torch_pth_load.py on the same file:
 *   /usr/bin/python3 bench/torch_pth_load.py make /tmp/sd100.pth
 *   build/bench_pth_load /tmp/sd100.pth [N]          best of N (7) ct_pth_load + ct_pth_free
 *   /usr/bin/python3 bench/torch_pth_load.py time /tmp/sd100.pth [N]
 * Both read the file from the page cache after the first run. ct_pth_load maps the file, so
 * its tensors point into the mapping and no tensor byte is read at load time; torch.load reads
 * (copies) every byte. So both sides also time the load followed by a sum of every tensor,
 * which brings every byte in. Also timed: ct_pth_loads of the file's bytes in memory, which
 * copies every storage out of the archive (through libzip). One thread on both sides. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

static double sum_all(const ct_tensor_map *m) {
  double s = 0;
  ct_scope_begin();
  for (int i = 0; i < ct_tensor_map_size(m); i++) s += ct_item(ct_sum(ct_tensor_map_at(m, i)));
  ct_scope_end();
  return s;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_pth_load FILE.pth [N]  (make one: python3 bench/torch_pth_load.py make FILE.pth)\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 7;
  ct_set_num_threads(1);
  double best = 1e30, best_sum = 1e30, best_mem = 1e30, sum = 0;
  for (int i = 0; i < n; i++) {
    double t = bench_now();
    ct_pth_value *r = ct_pth_load(argv[1]);
    double t1 = bench_now();
    ct_tensor_map *m = r ? ct_pth_to_tensor_map(r) : NULL;
    if (!m) {
      fprintf(stderr, "bench_pth_load: %s\n", ct_last_error());
      return 1;
    }
    sum = sum_all(m);
    double t2 = bench_now();
    ct_tensor_map_free(m);
    ct_pth_free(r);
    if (t1 - t < best) best = t1 - t;
    if (t2 - t < best_sum) best_sum = t2 - t;
  }
  FILE *f = fopen(argv[1], "rb");
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *buf = malloc((size_t)len);
  if (fread(buf, 1, (size_t)len, f) != (size_t)len) return 1;
  fclose(f);
  for (int i = 0; i < n; i++) {
    double t = bench_now();
    ct_pth_value *r = ct_pth_loads(buf, (size_t)len);
    t = bench_now() - t;
    if (!r) return 1;
    if (t < best_mem) best_mem = t;
    ct_pth_free(r);
  }
  free(buf);
  printf("ct_pth_load %s (%.1f MB): %.1f ms; load + sum of every tensor (%.6g): %.1f ms; ct_pth_loads of "
         "its bytes: %.1f ms (best of %d)\n", argv[1], (double)len / 1e6, best * 1e3, sum, best_sum * 1e3,
         best_mem * 1e3, n);
  return 0;
}
