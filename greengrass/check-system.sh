#!/bin/sh
# Shipped in the runtime component (check-system.sh at its root) and run by its recipe's Install
# step and by greengrass/run.sh before node starts. It refuses a system whose C library is older
# than the newest symbol version the shipped binaries need (GLIBC_FLOOR: node, better-sqlite3,
# onnxruntime, libvips, aws-crt; test/greengrass/glibc-floor.test.ts reads every binary's ELF
# version needs and fails when one needs more). deploy/install.sh states the same floor.
#
#   EDGE_AGENT_GLIBC_VERSION  the C library version to check instead of this system's (tests)
set -eu

GLIBC_FLOOR=2.34

say() { printf 'edge-agent check-system.sh: %s\n' "$*" >&2; }

have=${EDGE_AGENT_GLIBC_VERSION:-}
if [ -z "$have" ]; then
  have=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc //p')
fi
if [ -z "$have" ]; then
  say "this system's C library is not glibc (getconf GNU_LIBC_VERSION gave nothing; musl?); the runtime's binaries need glibc $GLIBC_FLOOR or later: use Raspberry Pi OS Bookworm (12), Ubuntu 22.04 / JetPack 6 or later"
  exit 78
fi
# Newest of the two versions, compared field by field.
newest=$(printf '%s\n%s\n' "$have" "$GLIBC_FLOOR" | sort -t. -k1,1n -k2,2n | tail -1)
if [ "$newest" != "$have" ] && [ "$have" != "$GLIBC_FLOOR" ]; then
  say "glibc $have is older than $GLIBC_FLOOR, which the runtime's Node.js and native modules need (better-sqlite3 is built against glibc 2.36 headers); Raspberry Pi OS Bullseye (11), Ubuntu 20.04 and JetPack 5 have 2.31: upgrade to Raspberry Pi OS Bookworm (12), Ubuntu 22.04 / JetPack 6 or later"
  exit 78
fi
