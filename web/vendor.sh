#!/usr/bin/env bash
# Copies MapLibre GL JS from node_modules (installed by `npm ci` from the
# lockfile) into static/vendor/, which web/embed.go bundles into the binary.
# Run by `make deps-web`; the copies are not committed (see .gitignore).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/node_modules/maplibre-gl/dist"
dst="$here/static/vendor"
if [ ! -f "$src/maplibre-gl.mjs" ]; then
	echo "vendor.sh: $src/maplibre-gl.mjs missing: run 'cd web && npm ci' first" >&2
	exit 1
fi
mkdir -p "$dst"
for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
	cmp -s "$src/$f" "$dst/$f" || cp "$src/$f" "$dst/$f"
done
cmp -s "$here/node_modules/maplibre-gl/LICENSE.txt" "$dst/LICENSE.txt" || cp "$here/node_modules/maplibre-gl/LICENSE.txt" "$dst/LICENSE.txt"
