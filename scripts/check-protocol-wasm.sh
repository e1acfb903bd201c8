#!/usr/bin/env bash
# Builds agenthq-protocol for wasm32-unknown-unknown, proving the wire contract stays
# usable by the browser viewer. rustup cannot download the wasm32 standard library here,
# so this uses the nightly toolchain with -Zbuild-std and the standard library's sources
# from Debian's rust-src package (fetched once into a cache; nothing system-wide changes).
# See ../shared/notes/bevy-builds.md.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"
src="$cache/rust-src"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "check-protocol-wasm: no nightly toolchain installed; cannot build for wasm32 here" >&2
    exit 2
fi
if ! ls -d "$src"/usr/src/rustc-*/library >/dev/null 2>&1; then
    echo "check-protocol-wasm: fetching Debian's rust-src into $src"
    apt_dir="$cache/apt"
    mkdir -p "$apt_dir/lists" "$apt_dir/cache" "$src"
    echo "deb http://deb.debian.org/debian forky main" > "$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
    apt-get "${apt_opts[@]}" update -q >/dev/null
    (cd "$apt_dir" && apt-get "${apt_opts[@]}" download rust-src/forky >/dev/null 2>&1)
    dpkg-deb --fsys-tarfile "$apt_dir"/rust-src_*.deb | tar -x -C "$src" --wildcards './usr/src/rustc-*/library/*'
    rm -f "$apt_dir"/rust-src_*.deb
fi
library=$(ls -d "$src"/usr/src/rustc-*/library | head -n 1)
CARGO_TARGET_DIR="$cache/wasm-target" __CARGO_TESTS_ONLY_SRC_ROOT="$library" \
    cargo +nightly build -p agenthq-protocol --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort
echo "check-protocol-wasm: agenthq-protocol builds for wasm32-unknown-unknown"
