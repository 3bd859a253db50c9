#!/bin/sh
# Coverage-guided fuzzing of the untrusted-file readers (ct_npy_loads, ct_safetensors_loads,
# the dataset files: ct_idx_load, ct_csv_load, ct_image_load in fuzz_files; ct_pth_loads in
# fuzz_pth, and its restricted unpickler alone in fuzz_pickle).
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s; targets npy safetensors files pth pickle)
#
# Builds each libFuzzer target with clang (-fsanitize=fuzzer,address,undefined), compiling
# the library sources directly, then fuzzes it for the given time on a scratch copy of its
# seed corpus (tests/fuzz/corpus_<target>/ is never modified). Exits non-zero on any crash,
# leak, sanitizer report or failed check; the reproducer is left in the work directory
# ($CT_FUZZ_WORK, default a fresh temporary directory, kept on failure). Skips (exit 0)
# when clang or its libFuzzer runtime (Debian: libclang-rt-14-dev) is missing.
set -u

secs=${1:-20}
[ $# -gt 0 ] && shift
targets=${*:-npy safetensors files pth pickle}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

clang=${CLANG:-}
if [ -z "$clang" ]; then
  for c in clang clang-14; do
    if command -v "$c" >/dev/null 2>&1; then clang=$c; break; fi
  done
fi
if [ -z "$clang" ]; then
  echo "fuzz: SKIPPED: clang not found (make deps installs it)"
  exit 0
fi
# libFuzzer ships separately from clang on Debian; probe by linking an empty target.
probe=$(mktemp -d)
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! "$clang" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
  echo "fuzz: SKIPPED: $clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev):"
  sed 's/^/  /' "$probe/log" | head -5
  rm -rf "$probe"
  exit 0
fi
rm -rf "$probe"

blas_inc=/usr/include/x86_64-linux-gnu/openblas-openmp
blas_lib=/usr/lib/x86_64-linux-gnu/openblas-openmp
work=${CT_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ct-fuzz.XXXXXX")}
mkdir -p "$work"
srcs=$(find "$root/src" -name '*.c' | sort)

cflags="-std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fopenmp"
cflags="$cflags -I$root/include -I$root/src -I$blas_inc"
# The library once, instrumented for coverage (fuzzer-no-link), shared by every target.
echo "fuzz: building the library into $work/obj"
mkdir -p "$work/obj"
objs=""
for f in $srcs; do
  o="$work/obj/$(echo "${f#"$root"/src/}" | tr / _).o"
  # shellcheck disable=SC2086  # cflags is a word list
  "$clang" $cflags -fsanitize=fuzzer-no-link -c "$f" -o "$o" || { echo "fuzz: FAILED to compile $f"; exit 1; }
  objs="$objs $o"
done

status=0
for t in $targets; do
  exe="$work/fuzz_$t"
  echo "fuzz: building $exe"
  # shellcheck disable=SC2086
  if ! "$clang" $cflags -fsanitize=fuzzer "$here/fuzz_$t.c" $objs -o "$exe" \
      -L"$blas_lib" -Wl,-rpath,"$blas_lib" -lopenblas -lcjson -lz -lstb -lzip -lm; then
    echo "fuzz: FAILED to build fuzz_$t"
    status=1
    continue
  fi
  corpus="$work/corpus_$t"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$work/artifacts_$t"
  cp "$here/corpus_$t/"* "$corpus/"
  dict=""
  [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
  # CT_FUZZ_SEED fixes libFuzzer's seed: ctest sets it so a CI run is reproducible and a
  # change is judged on the same inputs each time; unset (by hand), each run explores anew.
  seed=""
  [ -n "${CT_FUZZ_SEED:-}" ] && seed="-seed=$CT_FUZZ_SEED"
  echo "fuzz: running fuzz_$t for ${secs}s ${seed}"
  # One process (-fork would hide the summary); OMP_NUM_THREADS=1 keeps runs deterministic.
  # shellcheck disable=SC2086  # $dict and $seed are empty or one word
  OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$exe" $dict $seed -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts_$t/" "$corpus" >"$work/log_$t" 2>&1
  rc=$?
  # The summary: the last status line (execs, coverage) and the final stats.
  grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$work/log_$t" | tail -1 | sed "s/^/fuzz_$t: /"
  grep -E '^stat::' "$work/log_$t" | sed "s/^/fuzz_$t: /"
  if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$work/log_$t"; then
    echo "fuzz: fuzz_$t FAILED (rc $rc); log $work/log_$t, reproducer in $work/artifacts_$t/:"
    ls "$work/artifacts_$t/"
    grep -E -A25 'ERROR:|runtime error:|fuzz check failed' "$work/log_$t" | head -60
    status=1
  else
    echo "fuzz: fuzz_$t OK"
  fi
done
if [ $status -eq 0 ] && [ -z "${CT_FUZZ_WORK:-}" ]; then rm -rf "$work"; fi
exit $status
