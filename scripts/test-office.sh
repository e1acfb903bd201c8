#!/usr/bin/env bash
# The office as a person sees it, against a running demo server:
#   native   the viewer under Xvfb (software Vulkan: mesa's lavapipe), Bevy's screenshot
#   browser  the committed web bundle in headless Chromium (WebGL2 through SwiftShader),
#            driven by playwright-core, the canvas captured
# Each picture must be drawn (not blank) and show at least three of the five people, and
# the HUD must say "connected". Pictures and status files go to $RESULTS (default
# results/office/).
#
#   scripts/test-office.sh [native] [browser]     (both when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."
results="${RESULTS:-results/office}"
mkdir -p "$results"
cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"
export CARGO_TERM_COLOR=never
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(native browser)

log() { printf '\n==> %s\n' "$*"; }
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

log "building the server and the art checker"
cargo build -q -p agenthq-server --bin agenthq
cargo build -q -p agenthq-viz --bin agenthq-art
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
check() { "$target/debug/agenthq-art" check "$@"; }

log "starting the demo"
data=$(mktemp -d)
server_log="$results/server.log"
web="$PWD/assets/web"
(cd "$data" && AGENTHQ_LISTEN=127.0.0.1:0 AGENTHQ_WEB_DIR="$web" \
    exec "$target/debug/agenthq" demo --quiet) > "$server_log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT
ws=""
for _ in $(seq 1 100); do
    ws=$(sed -n 's/.*WebSocket *\(ws:\/\/[^ ]*\).*/\1/p' "$server_log" | head -n 1)
    [ -n "$ws" ] && break
    kill -0 $server 2>/dev/null || { cat "$server_log"; exit 1; }
    sleep 0.2
done
[ -n "$ws" ] || { echo "the demo did not start"; cat "$server_log"; exit 1; }
http="http://${ws#ws://}"; http="${http%/ws}"
echo "demo at $http"

for kind in "${which[@]}"; do
    case $kind in
    native)
        log "native viewer under Xvfb"
        if ! command -v xvfb-run >/dev/null || ! dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then
            apt_install xvfb xauth mesa-vulkan-drivers libvulkan1 \
                libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1
        fi
        cargo build -q --profile viewer -p agenthq-viz --features app --bin agenthq-viewer
        XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}" timeout 180 \
            xvfb-run -a -s "-screen 0 1280x800x24" "$target/viewer/agenthq-viewer" \
            --server "$ws" --screenshot "$results/native.png" --screenshot-after 4 \
            > "$results/native.log" 2>&1 || { cat "$results/native.log"; exit 1; }
        grep -q '"connection": "connected"' "$results/native.json" || {
            echo "the native HUD did not say connected:"; cat "$results/native.json"; exit 1; }
        check "$results/native.png"
        ;;
    browser)
        log "browser office in headless Chromium"
        command -v chromium >/dev/null || apt_install chromium
        command -v npm >/dev/null || apt_install nodejs npm
        if [ ! -d "$cache/playwright/node_modules/playwright-core" ]; then
            mkdir -p "$cache/playwright"
            npm install --silent --prefix "$cache/playwright" playwright-core@1 >/dev/null
        fi
        PLAYWRIGHT_HOME="$cache/playwright" timeout 240 \
            node viz/web-test/shot.mjs "$http/" "$results/browser.png" \
            || { echo "the browser run failed"; exit 1; }
        grep -q '"connection": "connected"' "$results/browser.json" || {
            echo "the browser HUD did not say connected:"; cat "$results/browser.json"; exit 1; }
        check "$results/browser.png"
        ;;
    *) echo "unknown: $kind (native or browser)"; exit 2 ;;
    esac
done
log "the office shows, natively and in the browser: pictures in $results/"
