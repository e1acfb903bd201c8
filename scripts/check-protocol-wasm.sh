#!/usr/bin/env bash
# Builds agenthq-protocol for wasm32-unknown-unknown, proving the wire contract stays
# usable by the browser viewer (see scripts/lib/wasm-std.sh for how, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/wasm-std.sh

CARGO_TARGET_DIR="$cache/wasm-target" wasm_cargo build -p agenthq-protocol
echo "check-protocol-wasm: agenthq-protocol builds for wasm32-unknown-unknown"
