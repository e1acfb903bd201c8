#!/usr/bin/env bash
# Prints the hash of everything the web bundle (assets/web/) is built from: the viewer's
# and the protocol's sources, the art it embeds, and the page. The bundle's
# manifest records it; CI fails when the sources changed and the bundle was not rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
{
    find viz/src viz/web protocol/src assets/office -type f | LC_ALL=C sort
    printf '%s\n' viz/Cargo.toml protocol/Cargo.toml
} | while read -r f; do
    printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"
done | sha256sum | cut -d' ' -f1
