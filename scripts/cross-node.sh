#!/usr/bin/env bash
# Cross-node delivery (issue 6's benchmark): three `agenthq serve` nodes on one PostgreSQL
# database and one Redis. The `bridge` scenario's offices are made through node 1, which
# owns them. Run 1 puts every watcher on node 1 (the single-node figure); run 2, with new
# offices, puts them on nodes 2 and 3 only, so every diff reaches them through Redis.
# Prints both reports and the bridge's frames/s (from the nodes' /metrics).
#
#   scripts/cross-node.sh [extra agenthq-loadtest options, e.g. --duration 20]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/cluster.sh

start_cluster crossnode 3 18111
url() { node_url "$1"; }

# A counter (or gauge) summed over the given nodes' /metrics.
counter() {
  local name=$1; shift
  for n in "$@"; do curl -fs "$(url "$n")/metrics"; done |
    awk -v m="$name" '$1 == m { s += $2 } END { printf "%d\n", s }'
}

pids_args=(--server-pid "${pids[0]}" --server-pid "${pids[1]}" --server-pid "${pids[2]}")
echo "== run 1: watchers on the owner (node 1)"
"$target/release/agenthq-loadtest" run bridge --url "$(url 1)" "${pids_args[@]}" "$@"

echo "== run 2: watchers on nodes 2 and 3, offices owned by node 1"
"$target/release/agenthq-loadtest" run bridge --setup-url "$(url 1)" \
  --url "$(url 2)" --url "$(url 3)" "${pids_args[@]}" "$@" &
run=$!
# The bridge's rate over 15 s once every watcher is connected (after setup and ramp).
# (400: the scenario's 100 offices x 4 watchers; at most two minutes.)
for _ in $(seq 120); do
  [ "$(counter agenthq_ws_connections 2 3)" -ge 400 ] && break
  sleep 1
done
sleep 2
p0=$(counter agenthq_bridge_published_total 1); r0=$(counter agenthq_bridge_received_total 2 3)
t0=$(date +%s.%N)
sleep 15
p1=$(counter agenthq_bridge_published_total 1); r1=$(counter agenthq_bridge_received_total 2 3)
t1=$(date +%s.%N)
wait "$run"
awk -v p=$((p1 - p0)) -v r=$((r1 - r0)) -v t0="$t0" -v t1="$t1" 'BEGIN {
  printf "bridge: %.0f diff frames/s published to Redis by node 1, %.0f/s received by nodes 2 and 3\n", p / (t1 - t0), r / (t1 - t0) }'
