#!/usr/bin/env bash
# The C dialect the guide states (docs/pytorch-to-ctorch.md, "The C dialect"): every example
# compiles warning-free with -std=gnu11 and with -std=c11 (-Wall -Wextra); adding -pedantic, the
# one warning is "at least one argument for the '...'" of a variadic macro (an option macro such
# as ct_sum(t) called without options: gcc warns under -std=c11 only, clang under both).
set -euo pipefail
cc=$1; src=$2
for f in "$src"/examples/*.c; do
  for std in gnu11 c11; do
    "$cc" -std=$std -Wall -Wextra -Werror -fsyntax-only -I"$src/include" "$f"
    other=$("$cc" -std=$std -pedantic -Wall -Wextra -fsyntax-only -I"$src/include" "$f" 2>&1 |
            grep -E '(warning|error): ' | grep -v 'at least one argument for' || true)
    if [ -n "$other" ]; then echo "$f: -std=$std -pedantic: $other"; exit 1; fi
  done
done
echo "dialect: gnu11 and c11 clean; -pedantic warns only about empty variadic macro arguments"
