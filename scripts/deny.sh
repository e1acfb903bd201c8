#!/usr/bin/env bash
# The licences and sources of every dependency, the viewer's included (deny.toml), with
# cargo-deny installed once into the cache ($AGENTHQ_CACHE, default ~/.cache/agenthq).
# Advisories too where their database (RustSec's, on GitHub) can be fetched; this
# project's machines cannot reach GitHub, and there the run says so in a NOTE.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"
version=0.20.2
root="$cache/cargo-deny-$version"
if [ ! -x "$root/bin/cargo-deny" ]; then
    echo "==> installing cargo-deny $version into $root"
    cargo install -q --locked --root "$root" cargo-deny --version "=$version"
fi
checks=(licenses bans sources)
if timeout 15 git ls-remote -q https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
    checks+=(advisories)
else
    echo "NOTE: RustSec's advisory database (github.com) is unreachable: advisories not checked"
fi
"$root/bin/cargo-deny" check "${checks[@]}"
