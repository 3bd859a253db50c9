/* ct-parity [--dtype float16|bfloat16] PATH...: runs every parity case (files, or folders of
 * *.safetensors) and prints one line per failing or skipped case, then "N passed, M failed,
 * K skipped". Exit status 1 when any case failed, 2 on a bad path or usage. --dtype: the half
 * mode (half_mode.c), every float32 case rerun in that dtype, "N passed, R refused, M failed,
 * K skipped" (refused: ctorch declined it with an error). */
#include <string.h>

#include "parity.h"

int main(int argc, char **argv) {
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--dtype") == 0) {
    parity_half_mode.dtype = strcmp(argv[2], "float16") == 0    ? CT_FLOAT16
                             : strcmp(argv[2], "bfloat16") == 0 ? CT_BFLOAT16
                                                                : CT_DTYPE_UNSET;
    if ((int)parity_half_mode.dtype < 0) {
      fprintf(stderr, "%s: --dtype takes float16 or bfloat16\n", argv[0]);
      return 2;
    }
    first = 3;
  }
  if (argc <= first || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fprintf(stderr, "usage: %s [--dtype float16|bfloat16] PATH...   (case files or folders of "
                    "NAME.safetensors)\n", argv[0]);
    return 2;
  }
  parity_totals tot = {0};
  int bad_path = 0;
  for (int i = first; i < argc; i++)
    if (parity_run_path(argv[i], &tot, stdout) != 0) bad_path = 1;
  if ((int)parity_half_mode.dtype >= 0)
    printf("%s: %d passed, %d refused, %d failed, %d skipped\n", ct_dtype_name(parity_half_mode.dtype),
           tot.passed, tot.refused, tot.failed, tot.skipped);
  else
    printf("%d passed, %d failed, %d skipped\n", tot.passed, tot.failed, tot.skipped);
  return tot.failed ? 1 : bad_path ? 2 : 0;
}
