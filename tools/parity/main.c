/* ct-parity PATH...: runs every parity case (files, or folders of *.safetensors) and prints
 * one line per failing or skipped case, then "N passed, M failed, K skipped". Exit status 1
 * when any case failed, 2 on a bad path or usage. */
#include <string.h>

#include "parity.h"

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: %s PATH...   (case files or folders of NAME.safetensors)\n", argv[0]);
    return 2;
  }
  parity_totals tot = {0};
  int bad_path = 0;
  for (int i = 1; i < argc; i++)
    if (parity_run_path(argv[i], &tot, stdout) != 0) bad_path = 1;
  printf("%d passed, %d failed, %d skipped\n", tot.passed, tot.failed, tot.skipped);
  return tot.failed ? 1 : bad_path ? 2 : 0;
}
