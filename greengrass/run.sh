#!/bin/sh
# Lifecycle Run of the edge-agent Greengrass component (shipped in the artifact as
# greengrass/run.sh). The recipe's Setenv hands over, as the nucleus interpolated them:
#   GG_EDGE_AGENT_CONFIG      the component's `agent` configuration, serialized as JSON
#   GG_EDGE_AGENT_WORK_DIR    {work:path}: kept across component updates, so the outbox lives here
#   GG_EDGE_AGENT_MODEL_DIRS  space-separated <model component decompressedPath>/<model id> folders
# and the nucleus itself sets AWS_IOT_THING_NAME, SVCUID and the IPC socket path.
#
# It checks node, points a model mirror at the model components' artifacts, writes the
# configuration file and replaces itself with the agent (exec), so the nucleus signals node
# directly on stop.
set -eu

say() { printf 'edge-agent run.sh: %s\n' "$*" >&2; }

artifact=$(cd "$(dirname "$0")/.." && pwd)
work=${GG_EDGE_AGENT_WORK_DIR:-}
if [ -z "$work" ]; then
  say "GG_EDGE_AGENT_WORK_DIR is not set; run this through the component recipe (its Setenv sets it to {work:path})"
  exit 78
fi

# better-sqlite3 in the artifact is compiled for one Node.js ABI (one major version).
need_abi=$(cat "$artifact/greengrass/node-abi")
if ! have_abi=$(node -p 'process.versions.modules' 2>/dev/null); then
  say "node not found on PATH ($PATH); install Node.js 20 (for example \`apt-get install nodejs\` from NodeSource's node_20.x repository)"
  exit 78
fi
if [ "$have_abi" != "$need_abi" ]; then
  say "this artifact was built for Node.js ABI $need_abi but $(command -v node) is $(node -v) (ABI $have_abi); install the Node.js major the artifact was built with, or rebuild it with that node"
  exit 78
fi

# Model components unpack to <decompressedPath>/<id>/{model.onnx,manifest.json}, which is the
# agent's mirror layout (<id>/<file>). The agent copies a model from the mirror into its own
# model folder after checking its sha256, so a half-updated model component is never loaded.
mirror="$work/model-mirror"
mkdir -p "$mirror" "$work/models"
for dir in ${GG_EDGE_AGENT_MODEL_DIRS:-}; do
  id=$(basename "$dir")
  if [ ! -f "$dir/manifest.json" ]; then
    say "expected a model manifest at $dir/manifest.json (model component of \"$id\") but it is missing; check the model component's deployment"
    exit 78
  fi
  ln -sfn "$dir" "$mirror/$id"
  mkdir -p "$work/models/$id"
  cp "$dir/manifest.json" "$work/models/$id/manifest.json.tmp"
  mv "$work/models/$id/manifest.json.tmp" "$work/models/$id/manifest.json"
done

config="$work/agent-config.json"
agent_config=${GG_EDGE_AGENT_CONFIG:-}
[ -n "$agent_config" ] || agent_config='{}'
printf '%s\n' "$agent_config" >"$config.tmp"
mv "$config.tmp" "$config"

if [ -n "${AWS_IOT_THING_NAME:-}" ]; then
  # Topics use {thingName}; the IPC policy allows only this core device's own topics.
  export EDGE_AGENT_PUBLISH__THING_NAME="$AWS_IOT_THING_NAME"
  export EDGE_AGENT_DEVICE_ID="$AWS_IOT_THING_NAME"
fi
# Fewer glibc malloc arenas: see deploy/edge-agent.service and docs/benchmarks.md.
export MALLOC_ARENA_MAX=2
# Smaller V8 young generation: see deploy/edge-agent.service.
export NODE_OPTIONS="--max-semi-space-size=2${NODE_OPTIONS:+ $NODE_OPTIONS}"
export EDGE_AGENT_MODELS__MIRROR="$mirror"
export EDGE_AGENT_MODELS__DIR="$work/models"
unset GG_EDGE_AGENT_CONFIG GG_EDGE_AGENT_WORK_DIR GG_EDGE_AGENT_MODEL_DIRS

# V8 favours memory over speed (see deploy/edge-agent.service); it is refused in NODE_OPTIONS.
exec node --optimize-for-size "$artifact/bin/edge-agent.js" run --config "$config" --data-dir "$work"
