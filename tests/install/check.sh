#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, then builds and runs a user program
# against it twice: with CMake's find_package(ctorch) and with pkg-config.
set -euo pipefail
build=$1; src=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/b" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/b/consumer"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$src/consumer.c" $(pkg-config --cflags --libs ctorch) -o "$tmp/consumer_pc"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/consumer_pc"
# The README's custom-prefix recipe: an rpath instead of LD_LIBRARY_PATH, and a static link.
cc -std=c11 -Wall -Wextra -Werror "$src/consumer.c" $(pkg-config --cflags --libs ctorch) \
  -Wl,-rpath,"$(pkg-config --variable=libdir ctorch)" -o "$tmp/consumer_rpath"
env -u LD_LIBRARY_PATH "$tmp/consumer_rpath"
libdir=$(pkg-config --variable=libdir ctorch)
cc -std=c11 -Wall -Wextra -Werror "$src/consumer.c" $(pkg-config --cflags ctorch) "$libdir/libctorch.a" \
  $(pkg-config --static --libs ctorch | sed 's/-lctorch//') -o "$tmp/consumer_static"
env -u LD_LIBRARY_PATH "$tmp/consumer_static"
echo "install: find_package, pkg-config (LD_LIBRARY_PATH, rpath) and static consumers OK"
