#!/bin/sh
# Compiles the sandbox init into $1/agentbox-init: one binary from every .c file here (the roles are listed in
# agentbox-init.h). Needs a C compiler (gcc or cc) and libc headers.
set -eu
out="$1"
src="$(cd "$(dirname "$0")" && pwd)"
cc="${CC:-}"
if [ -z "$cc" ]; then
  for c in gcc cc clang; do
    if command -v "$c" >/dev/null 2>&1; then cc="$c"; break; fi
  done
fi
if [ -z "$cc" ]; then
  echo "agentbox: a C compiler is needed to build the sandbox init (apt-get install gcc)" >&2
  exit 1
fi
mkdir -p "$out"
# -static keeps the init independent of the template's libc (debootstrap rootfs or the host's /usr).
if ! "$cc" -O2 -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -static -o "$out/agentbox-init.tmp" "$src"/*.c -pthread 2>/dev/null; then
  "$cc" -O2 -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -o "$out/agentbox-init.tmp" "$src"/*.c -pthread
fi
mv "$out/agentbox-init.tmp" "$out/agentbox-init"
