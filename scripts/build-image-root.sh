#!/usr/bin/env bash
# Builds what the container image holds into a folder laid out as the image's root:
#   OUT/usr/local/bin/agenthq        the server, release build, stripped
#   OUT/usr/share/agenthq/web/       the browser office (checked against its sources)
#   OUT/var/lib/agenthq/             the data folder (a volume in the image)
# The Dockerfile's build stage runs exactly this; CI runs it too (scripts/check-image.sh),
# so the image's build is exercised without a container engine.
#
#   scripts/build-image-root.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/build-image-root.sh OUT}

# The bundle is built by scripts/build-web.sh (nightly, wasm-bindgen, wasm-opt) and
# committed; the image takes it only if it was built from these sources.
scripts/build-web.sh --check

cargo build --release --locked -p agenthq-server --bin agenthq
target=${CARGO_TARGET_DIR:-target}

rm -rf "$out"
mkdir -p "$out/usr/local/bin" "$out/usr/share/agenthq" "$out/var/lib/agenthq"
cp "$target/release/agenthq" "$out/usr/local/bin/agenthq"
strip "$out/usr/local/bin/agenthq" 2>/dev/null || true
cp -r assets/web "$out/usr/share/agenthq/web"
echo "image root in $out: $(du -sh "$out" | cut -f1)"
