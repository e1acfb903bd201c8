#!/usr/bin/env bash
# Builds the browser office into assets/web/: the viewer for wasm32 (profile `web`, sized
# for download), wasm-bindgen at the exact version in Cargo.lock, wasm-opt from npm's
# binaryen (Debian bookworm's binaryen 108 corrupts Bevy's wasm), the page, and a
# manifest with the sources' hash (scripts/web-sources-hash.sh). Tools are installed
# once into the cache ($AGENTHQ_CACHE, default ~/.cache/agenthq); nothing system-wide.
#
#   scripts/build-web.sh          build and write assets/web/
#   scripts/build-web.sh --check  exit 1 if assets/web/ is not built from these sources
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/wasm-std.sh

out=assets/web
hash=$(scripts/web-sources-hash.sh)
if [ "${1:-}" = "--check" ]; then
    built=$(sed -n 's/.*"sources_sha256": *"\([0-9a-f]*\)".*/\1/p' "$out/manifest.json" 2>/dev/null || true)
    if [ "$built" != "$hash" ]; then
        echo "assets/web/ was built from other sources (manifest ${built:-missing}, now $hash):" >&2
        echo "run scripts/build-web.sh and commit assets/web/" >&2
        exit 1
    fi
    echo "assets/web/ matches its sources ($hash)"
    exit 0
fi

bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
bindgen_root="$cache/wasm-bindgen-$bindgen_version"
if [ ! -x "$bindgen_root/bin/wasm-bindgen" ]; then
    echo "==> installing wasm-bindgen-cli $bindgen_version into $bindgen_root"
    # Without --locked: with it, 0.2.130 fails to resolve webpki-roots.
    cargo install -q --root "$bindgen_root" wasm-bindgen-cli --version "=$bindgen_version"
fi
binaryen="$cache/binaryen"
if [ ! -f "$binaryen/node_modules/binaryen/bin/wasm-opt" ]; then
    echo "==> installing binaryen@132 (wasm-opt) into $binaryen"
    mkdir -p "$binaryen"
    npm install --silent --prefix "$binaryen" binaryen@132 >/dev/null
fi

echo "==> building the viewer for wasm32"
target="$cache/wasm-target"
CARGO_TARGET_DIR="$target" wasm_cargo build --profile web -p agenthq-viz --features app --bin agenthq-viewer
wasm="$target/wasm32-unknown-unknown/web/agenthq-viewer.wasm"

echo "==> wasm-bindgen"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
"$bindgen_root/bin/wasm-bindgen" --target web --no-typescript --out-dir "$staging" "$wasm"

# The features rustc enables by default for wasm32-unknown-unknown; wasm-opt validates
# against them. Optimised output is cached by the input's hash (the pass takes minutes).
features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
          --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)
input_hash=$(sha256sum < "$staging/agenthq-viewer_bg.wasm" | cut -d' ' -f1)
optimised="$cache/wasm-opt/$input_hash.wasm"
if [ ! -f "$optimised" ]; then
    echo "==> wasm-opt -Os"
    mkdir -p "$cache/wasm-opt"
    node "$binaryen/node_modules/binaryen/bin/wasm-opt" -Os "${features[@]}" \
        "$staging/agenthq-viewer_bg.wasm" -o "$optimised.partial"
    mv "$optimised.partial" "$optimised"
fi
cp "$optimised" "$staging/agenthq-viewer_bg.wasm"

mkdir -p "$out"
rm -f "$out"/*
cp viz/web/* "$out/"
cp "$staging/agenthq-viewer.js" "$staging/agenthq-viewer_bg.wasm" "$out/"
# Compressed once here; the server sends the .gz to browsers that accept gzip.
for f in agenthq-viewer.js agenthq-viewer_bg.wasm index.html; do
    gzip -9 -n -k -f "$out/$f"
done
size=$(stat -c %s "$out/agenthq-viewer_bg.wasm")
gz=$(stat -c %s "$out/agenthq-viewer_bg.wasm.gz")
cat > "$out/manifest.json" <<JSON
{
  "sources_sha256": "$hash",
  "wasm_bytes": $size,
  "wasm_gzip_bytes": $gz,
  "wasm_bindgen": "$bindgen_version"
}
JSON
echo "==> $out: agenthq-viewer_bg.wasm $size bytes ($gz gzipped)"
