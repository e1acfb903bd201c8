#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (the protocol's decoders, and a client following a topic)
# and fuzz/http/ (the HTTP API's JSON bodies against the real router) for a bounded time: FUZZ_SECONDS each (default 15; CI's setting), longer on demand:
#
#   FUZZ_SECONDS=600 scripts/fuzz.sh            all targets, ten minutes each
#   FUZZ_SECONDS=60 scripts/fuzz.sh diff_apply  one target
#
# Needs the nightly toolchain (sanitizers; exit 2 without one) and cargo-fuzz, which is
# installed once into the cache ($AGENTHQ_CACHE, default ~/.cache/agenthq). A crash fails the run and leaves
# its input in fuzz/artifacts/<target>/: reproduce it with
# `cargo +nightly fuzz run <target> <file>` in its folder, then turn it into a regression
# test (protocol/tests/, or server/tests/ for http_bodies) before fixing.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"
seconds="${FUZZ_SECONDS:-15}"
if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "no nightly toolchain: fuzzing needs one (sanitizers)" >&2
    exit 2
fi
version=0.13.2
root="$cache/cargo-fuzz-$version"
if [ ! -x "$root/bin/cargo-fuzz" ]; then
    echo "==> installing cargo-fuzz $version into $root"
    cargo install -q --locked --root "$root" cargo-fuzz --version "=$version"
fi
export PATH="$root/bin:$PATH"
wanted=("$@")
target_dir="$cache/fuzz-target"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# fuzz/: the protocol's decoders (built without the server); fuzz/http/: the API's bodies.
for dir in fuzz fuzz/http; do
    mapfile -t targets < <(cd "$dir" && cargo +nightly fuzz list --fuzz-dir .)
    for t in "${targets[@]}"; do
        if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " =~ " $t " ]]; then
            continue
        fi
        echo "==> fuzzing $t for ${seconds}s"
        if ! (cd "$dir" && cargo +nightly fuzz run --fuzz-dir . --target-dir "$target_dir" "$t" -- \
            -max_total_time="$seconds" -print_final_stats=1) > "$log" 2>&1; then
            tail -n 40 "$log"
            echo "fuzz target $t failed; its input is in $dir/artifacts/$t/" >&2
            exit 1
        fi
        grep -E "^Done|stat::number_of_executed_units" "$log" || true
    done
done
