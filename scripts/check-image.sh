#!/usr/bin/env bash
# Exercises the container image's build and runtime stages without a container engine:
# runs the build stage's script (scripts/build-image-root.sh) into a folder laid out as
# the image's root, then runs the image's command from it the way the runtime stage does:
# the Dockerfile's ENV, as its non-root user (uid 65532, when this runs as root), with a
# fresh data folder; waits for the health check (`agenthq health`, as HEALTHCHECK runs
# it) to pass, checks the office page is served and `agenthq doctor` is content, then
# stops it with SIGTERM and expects a clean exit.
#
#   scripts/check-image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> build stage: scripts/build-image-root.sh"
scripts/build-image-root.sh "$work/root"
bin="$work/root/usr/local/bin/agenthq"

# The runtime stage's ENV lines, in the Dockerfile's order.
env_args=()
while IFS= read -r assignment; do
    env_args+=("$assignment")
done < <(awk '
    /^FROM / { runtime = ($0 ~ / AS runtime/) }
    runtime && /^ENV / { env = 1; sub(/^ENV +/, "") }
    env { line = $0; cont = (line ~ /\\$/); sub(/ *\\$/, "", line); gsub(/^ +/, "", line)
          n = split(line, parts, / +/); for (i = 1; i <= n; i++) if (parts[i] != "") print parts[i]
          if (!cont) env = 0 }
' Dockerfile)
printf '  ENV %s\n' "${env_args[@]}"
[ ${#env_args[@]} -ge 3 ] || { echo "no ENV found in the Dockerfile's runtime stage" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$work/root/var/lib/agenthq"
# Where the image has them: the image root stands in for /.
overrides=(
    "AGENTHQ_LISTEN=127.0.0.1:$port"
    "AGENTHQ_DATA_DIR=$data"
    "AGENTHQ_WEB_DIR=$work/root/usr/share/agenthq/web"
)
as_user=()
uid=$(id -u)
if [ "$uid" = 0 ]; then
    uid=65532
    chown -R 65532:65532 "$data"
    chmod o+x "$work" "$work/root" "$work/root/var" "$work/root/var/lib"
    as_user=(setpriv --reuid=65532 --regid=65532 --clear-groups)
fi
run() { env -i PATH=/usr/bin:/bin "${env_args[@]}" "${overrides[@]}" "${as_user[@]}" "$bin" "$@"; }

echo "==> runtime stage: agenthq serve as uid $uid"
# Started directly (not through `run`): env execs setpriv, which execs the server, so
# $! is the server's own pid and SIGTERM reaches it, as `docker stop` would.
env -i PATH=/usr/bin:/bin "${env_args[@]}" "${overrides[@]}" "${as_user[@]}" "$bin" serve \
    > "$work/server.log" 2>&1 &
server=$!
healthy=""
for _ in $(seq 1 100); do
    if run health > /dev/null 2>&1; then healthy=yes; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.2
done
if [ -z "$healthy" ]; then
    echo "the server never became healthy; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
run health
curl -fsS "http://127.0.0.1:$port/" | grep -qi "<html" || { echo "/ does not serve the office page" >&2; exit 1; }
echo "the office page is served"
run doctor
owner=$(stat -c %u "$data/agenthq.db")
[ "$owner" = "$uid" ] || { echo "the database belongs to uid $owner, not $uid" >&2; exit 1; }

kill -TERM "$server"
status=0
wait "$server" || status=$?
server=""
[ "$status" = 0 ] || { echo "the server exited $status on SIGTERM; its log:" >&2; cat "$work/server.log" >&2; exit 1; }
echo "image stages check out: $(du -sh "$work/root" | cut -f1) of image root"
