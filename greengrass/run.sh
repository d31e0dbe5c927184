#!/bin/sh
# Lifecycle Run of the edge-agent Greengrass component (shipped in the artifact as
# greengrass/run.sh). The recipe's Setenv hands over, as the nucleus interpolated them:
#   GG_EDGE_AGENT_CONFIG      the component's `agent` configuration, serialized as JSON
#   GG_EDGE_AGENT_WORK_DIR    {work:path}: kept across component updates, so the outbox lives here
#   GG_EDGE_AGENT_MODEL_DIRS  space-separated <model component decompressedPath>/<model id> folders
#   GG_EDGE_AGENT_RUNTIME_DIR the runtime component's unpacked folder: bin/node, lib/node_modules
#                             (the native modules) and check-system.sh
# and the nucleus itself sets AWS_IOT_THING_NAME, SVCUID and the IPC socket path.
#
# It checks the runtime (the system's glibc against the runtime's floor), points a model mirror at the model components' artifacts, writes the
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

# The runtime component brings node and the native modules built for it; the system's node,
# if any, is never used.
runtime=${GG_EDGE_AGENT_RUNTIME_DIR:-}
if [ -z "$runtime" ] || [ ! -x "$runtime/bin/node" ]; then
  say "expected the runtime component's node at \${GG_EDGE_AGENT_RUNTIME_DIR}/bin/node but GG_EDGE_AGENT_RUNTIME_DIR is \"$runtime\"; deploy the agent through its recipe, which depends on the matching <component>.Runtime version and sets it"
  exit 78
fi
sh "$runtime/check-system.sh"

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
# One glibc malloc arena that returns freed memory: see deploy/edge-agent.service and
# docs/benchmarks.md.
export MALLOC_ARENA_MAX=1 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072
# Smaller V8 young generation: see deploy/edge-agent.service.
export NODE_OPTIONS="--max-semi-space-size=2${NODE_OPTIONS:+ $NODE_OPTIONS}"
export EDGE_AGENT_MODELS__MIRROR="$mirror"
export EDGE_AGENT_MODELS__DIR="$work/models"
unset GG_EDGE_AGENT_CONFIG GG_EDGE_AGENT_WORK_DIR GG_EDGE_AGENT_MODEL_DIRS GG_EDGE_AGENT_RUNTIME_DIR

# V8 favours memory over speed (see deploy/edge-agent.service); it is refused in NODE_OPTIONS.
exec "$runtime/bin/node" --optimize-for-size "$artifact/bin/edge-agent.js" run --config "$config" --data-dir "$work"
