#!/bin/sh
# Installs the edge agent as a systemd service on Raspberry Pi OS (64-bit) or Jetson Linux.
#
#   sudo sh deploy/install.sh --runtime edge-agent-runtime-linux-arm64.zip --agent edge-agent.zip [--config my-config.yaml]
#
# The two zips are the ones `npm run greengrass:build -- --arch arm64` writes, the same that the
# Greengrass components carry: the runtime (Node.js and the native modules built for arm64,
# unpacked to /opt/edge-agent/runtimes/<digest>, linked as /opt/edge-agent/runtime) and the agent
# (bundled JavaScript, /opt/edge-agent/releases/<digest>, linked as /opt/edge-agent/current).
# The system's Node.js is not used. A code-only release passes the new --agent with the same
# --runtime, and only the agent is unpacked again.
#
# Idempotent: running it again with the same zips changes nothing; with a new zip it installs it
# beside the old ones, switches the link and restarts the service. An existing
# /etc/edge-agent/config.yaml is never overwritten.
#
# The glibc floor: the runtime's binaries need glibc GLIBC_FLOOR or later (below; the runtime's
# check-system.sh states the same, test/greengrass/glibc-floor.test.ts checks both against the
# binaries), so Raspberry Pi OS Bullseye and JetPack 5 (glibc 2.31) are refused.
#
# Variables for tests and unusual systems (defaults in brackets):
#   EDGE_AGENT_INSTALL_ROOT    prefix for every path written [empty: the real /]
#   EDGE_AGENT_OS_RELEASE      os-release file [/etc/os-release]
#   EDGE_AGENT_DEVICE_MODEL    device-tree model file [/proc/device-tree/model]
#   EDGE_AGENT_TEGRA_RELEASE   Jetson release file [/etc/nv_tegra_release]
#   EDGE_AGENT_ARCH            machine architecture [uname -m]
#   EDGE_AGENT_GLIBC_VERSION   C library version [getconf GNU_LIBC_VERSION]
#   EDGE_AGENT_SKIP_SYSTEM=1   do not create users or call systemctl; print what would be done
set -eu

root=${EDGE_AGENT_INSTALL_ROOT:-}
os_release=${EDGE_AGENT_OS_RELEASE:-/etc/os-release}
device_model=${EDGE_AGENT_DEVICE_MODEL:-/proc/device-tree/model}
tegra_release=${EDGE_AGENT_TEGRA_RELEASE:-/etc/nv_tegra_release}
arch=${EDGE_AGENT_ARCH:-$(uname -m)}
glibc=${EDGE_AGENT_GLIBC_VERSION:-$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc //p')}
GLIBC_FLOOR=2.34
skip_system=${EDGE_AGENT_SKIP_SYSTEM:-0}
here=$(cd "$(dirname "$0")" && pwd)

say() { printf 'install.sh: %s\n' "$*" >&2; }
fail() {
  say "$1"
  exit "${2:-1}"
}
system() {
  if [ "$skip_system" = 1 ]; then
    say "would run: $*"
  else
    "$@"
  fi
}

usage='install.sh --runtime edge-agent-runtime-linux-arm64.zip --agent edge-agent.zip [--config FILE]'
runtime_zip=''
agent_zip=''
config_src=''
while [ $# -gt 0 ]; do
  case "$1" in
    --runtime) runtime_zip=${2:-}; shift 2 ;;
    --agent) agent_zip=${2:-}; shift 2 ;;
    --config) config_src=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) fail "unknown argument \"$1\"; usage: $usage" 64 ;;
  esac
done

# --- Which system is this? -------------------------------------------------------------------
[ -r "$os_release" ] || fail "cannot read $os_release, so the OS cannot be identified; this installer supports Raspberry Pi OS (64-bit) and Jetson Linux only" 69
os_id=$(. "$os_release" && printf '%s' "${ID:-unknown}")
os_version=$(. "$os_release" && printf '%s' "${VERSION_ID:-0}")
os_name=$(. "$os_release" && printf '%s' "${PRETTY_NAME:-$os_id $os_version}")
model=''
[ -r "$device_model" ] && model=$(tr -d '\000' <"$device_model")

platform=''
case "$os_id" in
  debian|raspbian)
    case "$model" in
      "Raspberry Pi"*) platform=raspberry-pi ;;
    esac
    ;;
  ubuntu)
    [ -e "$tegra_release" ] && platform=jetson
    ;;
esac
if [ -z "$platform" ]; then
  fail "unsupported system: $os_name${model:+ on \"$model\"}. This installer supports Raspberry Pi OS (64-bit) on a Raspberry Pi and Jetson Linux (Ubuntu with $tegra_release) on a Jetson, the systems whose camera stacks and native modules the agent is built and tested for; on another Linux, use the Greengrass component or run bin/edge-agent.js under your own service manager" 69
fi
if [ "$arch" != aarch64 ]; then
  fail "unsupported architecture $arch on $os_name: the agent ships arm64 (aarch64) native modules only, and ONNX Runtime has no 32-bit ARM build for Node.js; install the 64-bit Raspberry Pi OS image" 69
fi
if [ "$platform" = raspberry-pi ] && [ "${os_version%%.*}" -lt 12 ] 2>/dev/null; then
  fail "Raspberry Pi OS $os_version is too old: the runtime needs glibc $GLIBC_FLOOR or later, which Raspberry Pi OS has from Bookworm (12); Bullseye (11) has 2.31. Install the 64-bit Bookworm image" 69
fi
if [ "$platform" = jetson ] && [ "${os_version%%.*}" -lt 22 ] 2>/dev/null; then
  fail "Jetson Linux on Ubuntu $os_version is too old: the runtime needs glibc $GLIBC_FLOOR or later, which JetPack has from JetPack 6 (Ubuntu 22.04, glibc 2.35); JetPack 5 (Ubuntu 20.04) has 2.31. Flash JetPack 6" 69
fi
[ -n "$glibc" ] || fail "cannot tell this system's glibc version (getconf GNU_LIBC_VERSION gave nothing); the runtime needs glibc $GLIBC_FLOOR or later" 69
newest=$(printf '%s\n%s\n' "$glibc" "$GLIBC_FLOOR" | sort -t. -k1,1n -k2,2n | tail -1)
if [ "$newest" != "$glibc" ] && [ "$glibc" != "$GLIBC_FLOOR" ]; then
  fail "glibc $glibc on $os_name is older than $GLIBC_FLOOR, which the runtime's Node.js and native modules need; upgrade to Raspberry Pi OS Bookworm (12) or JetPack 6 (Ubuntu 22.04)" 69
fi
say "system: $os_name on ${model:-unknown board} ($platform, $arch)"

# --- Prerequisites ---------------------------------------------------------------------------
build_hint='build them with `npm run greengrass:build -- --arch arm64 --bucket NAME`: greengrass/greengrass-build/artifacts/<component>.Runtime/<version>/edge-agent-runtime-linux-arm64.zip and artifacts/<component>/<version>/edge-agent.zip'
[ -n "$runtime_zip" ] || fail "missing --runtime; usage: $usage; $build_hint" 64
[ -n "$agent_zip" ] || fail "missing --agent; usage: $usage; $build_hint" 64
for zip in "$runtime_zip" "$agent_zip"; do
  [ -r "$zip" ] || fail "cannot read $zip" 66
done
command -v unzip >/dev/null 2>&1 || fail "unzip not found; install it with \`apt-get install unzip\`" 69

opt="$root/opt/edge-agent"
changed=0

# unpack ZIP KIND DIR CHECK LINK: unpacks into DIR/<digest> once, checks that CHECK exists in it,
# then points LINK at it.
unpack() {
  zip=$1 kind=$2 dir=$3 check=$4 link=$5
  digest=$(sha256sum "$zip" | cut -c1-16)
  target="$opt/$dir/$digest"
  if [ -f "$target/.installed" ]; then
    say "$kind $digest already installed"
  else
    rm -rf "$target.tmp"
    mkdir -p "$target.tmp"
    unzip -q "$zip" -d "$target.tmp"
    [ -f "$target.tmp/$check" ] || fail "$zip holds no $check; is it the edge-agent $kind zip?" 65
    touch "$target.tmp/.installed"
    rm -rf "$target"
    mv "$target.tmp" "$target"
    say "installed $kind $digest"
  fi
  if [ "$(readlink "$opt/$link" 2>/dev/null || true)" != "$dir/$digest" ]; then
    ln -sfn "$dir/$digest" "$opt/$link.tmp"
    mv -T "$opt/$link.tmp" "$opt/$link"
    changed=1
    say "$link -> $dir/$digest"
  fi
}
mkdir -p "$opt"
unpack "$runtime_zip" runtime runtimes bin/node runtime
unpack "$agent_zip" agent releases bin/edge-agent.js current
# The runtime's own check (the same floor), against this system, before the service starts.
EDGE_AGENT_GLIBC_VERSION=$glibc sh "$opt/runtime/check-system.sh" || fail "the runtime refused this system (above)" 69

# --- User, configuration, certificates -------------------------------------------------------
if [ "$skip_system" = 1 ] || ! getent passwd edge-agent >/dev/null 2>&1; then
  system useradd --system --user-group --home-dir /var/lib/edge-agent --no-create-home --shell /usr/sbin/nologin --comment 'edge inference agent' edge-agent
fi
system usermod --append --groups video edge-agent

etc="$root/etc/edge-agent"
mkdir -p "$etc/certs"
chmod 0750 "$etc" "$etc/certs"
system chown root:edge-agent "$etc" "$etc/certs"
if [ -e "$etc/config.yaml" ]; then
  say "keeping the existing $etc/config.yaml"
else
  if [ -n "$config_src" ]; then cp "$config_src" "$etc/config.yaml.tmp"; else cp "$here/config.example.yaml" "$etc/config.yaml.tmp"; fi
  chmod 0640 "$etc/config.yaml.tmp"
  system chown root:edge-agent "$etc/config.yaml.tmp"
  mv "$etc/config.yaml.tmp" "$etc/config.yaml"
  changed=1
  say "wrote $etc/config.yaml"
fi

# --- The unit --------------------------------------------------------------------------------
unit_dir="$root/etc/systemd/system"
mkdir -p "$unit_dir"
if ! cmp -s "$here/edge-agent.service" "$unit_dir/edge-agent.service"; then
  cp "$here/edge-agent.service" "$unit_dir/edge-agent.service.tmp"
  chmod 0644 "$unit_dir/edge-agent.service.tmp"
  mv "$unit_dir/edge-agent.service.tmp" "$unit_dir/edge-agent.service"
  changed=1
  say "installed $unit_dir/edge-agent.service"
fi
system systemctl daemon-reload
system systemctl enable edge-agent.service
if [ "$changed" = 1 ]; then
  system systemctl restart edge-agent.service
  say "edge-agent (re)started; follow it with \`journalctl -u edge-agent -f\`"
else
  system systemctl start edge-agent.service
  say "nothing changed"
fi
