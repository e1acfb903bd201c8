#!/usr/bin/env bash
# Installs the anchors' npm packages (BullMQ) into loadtest/anchors/*/node_modules; the
# driver calls it before running an anchor. Nothing from those projects is committed.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "the anchors need node and npm (apt-get install nodejs npm)" >&2; exit 2; }
for anchor in bullmq socketio; do
    if [ ! -d "$anchor/node_modules" ]; then
        echo "installing the $anchor anchor's packages" >&2
        npm install --silent --no-audit --no-fund --prefix "$anchor" >/dev/null
    fi
done
