#!/usr/bin/env bash
# The licences and sources of every dependency, the viewer's included (deny.toml), with
# cargo-deny installed once into the cache ($AGENTHQ_CACHE, default ~/.cache/agenthq).
# Advisories are left out: their database is fetched from GitHub, which this project's
# machines cannot reach (`cargo deny check advisories` where it can).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"
version=0.20.2
root="$cache/cargo-deny-$version"
if [ ! -x "$root/bin/cargo-deny" ]; then
    echo "==> installing cargo-deny $version into $root"
    cargo install -q --locked --root "$root" cargo-deny --version "=$version"
fi
"$root/bin/cargo-deny" check licenses bans sources
