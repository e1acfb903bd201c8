#!/usr/bin/env bash
# The failover run (issues 5 and 6): three `agenthq serve` nodes on one PostgreSQL
# database and one Redis; the `failover` scenario spreads its watchers and task
# submitters over all three and kills the first node (SIGKILL) mid-run. Every workspace
# is made through that node, so it dies owning them all: the others must take them over,
# every watcher must resync (a new epoch, never a silent gap) and every task the
# submitters saw accepted must be kept and finish. The driver exits non-zero otherwise.
#
#   scripts/failover.sh [extra agenthq-loadtest options, e.g. --duration 60]
#
# Needs PostgreSQL and Redis (see scripts/lib/cluster.sh); lease TTL 5 s unless
# AGENTHQ_LEASE_TTL_SECS says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/cluster.sh

export AGENTHQ_LEASE_TTL_SECS=${AGENTHQ_LEASE_TTL_SECS:-5}
start_cluster failover 3 18101
"$target/release/agenthq-loadtest" run failover \
  --url "$(node_url 1)" --url "$(node_url 2)" --url "$(node_url 3)" \
  --server-pid "${pids[0]}" --server-pid "${pids[1]}" --server-pid "${pids[2]}" \
  --kill-pid "${pids[0]}" "$@"
