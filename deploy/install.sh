#!/bin/sh
# Installs the edge agent as a systemd service on Raspberry Pi OS (64-bit) or Jetson Linux.
#
#   sudo sh deploy/install.sh --artifact edge-agent-linux-arm64.zip [--config my-config.yaml]
#
# The artifact is the one `npm run greengrass:build -- --arch arm64` writes (compiled agent and
# production node_modules built for arm64); the same zip serves Greengrass and systemd.
#
# Idempotent: running it again with the same artifact changes nothing; with a new artifact it
# installs the new release beside the old ones, switches /opt/edge-agent/current and restarts the
# service. An existing /etc/edge-agent/config.yaml is never overwritten.
#
# Variables for tests and unusual systems (defaults in brackets):
#   EDGE_AGENT_INSTALL_ROOT    prefix for every path written [empty: the real /]
#   EDGE_AGENT_OS_RELEASE      os-release file [/etc/os-release]
#   EDGE_AGENT_DEVICE_MODEL    device-tree model file [/proc/device-tree/model]
#   EDGE_AGENT_TEGRA_RELEASE   Jetson release file [/etc/nv_tegra_release]
#   EDGE_AGENT_ARCH            machine architecture [uname -m]
#   EDGE_AGENT_SKIP_SYSTEM=1   do not create users or call systemctl; print what would be done
set -eu

root=${EDGE_AGENT_INSTALL_ROOT:-}
os_release=${EDGE_AGENT_OS_RELEASE:-/etc/os-release}
device_model=${EDGE_AGENT_DEVICE_MODEL:-/proc/device-tree/model}
tegra_release=${EDGE_AGENT_TEGRA_RELEASE:-/etc/nv_tegra_release}
arch=${EDGE_AGENT_ARCH:-$(uname -m)}
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

artifact=''
config_src=''
while [ $# -gt 0 ]; do
  case "$1" in
    --artifact) artifact=${2:-}; shift 2 ;;
    --config) config_src=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) fail "unknown argument \"$1\"; usage: install.sh --artifact edge-agent-linux-arm64.zip [--config FILE]" 64 ;;
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
if [ "$platform" = raspberry-pi ] && [ "${os_version%%.*}" -lt 11 ] 2>/dev/null; then
  fail "Raspberry Pi OS $os_version is too old: the agent needs Bullseye (11) or later for libcamera's rpicam/libcamera tools and glibc 2.31" 69
fi
say "system: $os_name on ${model:-unknown board} ($platform, $arch)"

# --- Prerequisites ---------------------------------------------------------------------------
[ -n "$artifact" ] || fail "missing --artifact: build it with \`npm run greengrass:build -- --arch arm64\` and pass greengrass/greengrass-build/artifacts/<component>/<version>/edge-agent-linux-arm64.zip" 64
[ -r "$artifact" ] || fail "cannot read the artifact $artifact" 66
command -v unzip >/dev/null 2>&1 || fail "unzip not found; install it with \`apt-get install unzip\`" 69
node_bin=${root}/usr/bin/node
if [ "$skip_system" != 1 ]; then
  [ -x /usr/bin/node ] || fail "/usr/bin/node not found; install Node.js 20 (NodeSource: \`curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs\`)" 69
  node_bin=/usr/bin/node
fi

# --- The release: /opt/edge-agent/releases/<digest>, then the `current` link ------------------
digest=$(sha256sum "$artifact" | cut -c1-16)
opt="$root/opt/edge-agent"
release="$opt/releases/$digest"
if [ -f "$release/.installed" ]; then
  say "release $digest already installed"
else
  rm -rf "$release.tmp"
  mkdir -p "$release.tmp"
  unzip -q "$artifact" -d "$release.tmp"
  [ -f "$release.tmp/bin/edge-agent.js" ] || fail "$artifact holds no bin/edge-agent.js; is it an edge-agent artifact?" 65
  if [ "$skip_system" != 1 ]; then
    need_abi=$(cat "$release.tmp/greengrass/node-abi")
    have_abi=$("$node_bin" -p process.versions.modules)
    [ "$need_abi" = "$have_abi" ] || fail "the artifact needs the Node.js ABI $need_abi but $node_bin ($("$node_bin" -v)) is ABI $have_abi; install the Node.js major the artifact was built with" 69
  fi
  touch "$release.tmp/.installed"
  rm -rf "$release"
  mv "$release.tmp" "$release"
  say "installed release $digest"
fi
changed=0
if [ "$(readlink "$opt/current" 2>/dev/null || true)" != "releases/$digest" ]; then
  ln -sfn "releases/$digest" "$opt/current.tmp"
  mv -T "$opt/current.tmp" "$opt/current"
  changed=1
  say "current -> releases/$digest"
fi

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
