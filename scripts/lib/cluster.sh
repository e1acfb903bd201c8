# Sourced by the cluster runs (failover.sh, cross-node.sh): builds the release binaries,
# makes a PostgreSQL database of its own and starts `agenthq serve` nodes on it and one
# Redis; everything is stopped and dropped on exit.
#
#   start_cluster NAME NODES FIRST_PORT   sets `pids` (one per node) and `target`
#   node_url N                            the base URL of node N (1-based)
#
# AGENTHQ_PG (default postgres://postgres@127.0.0.1:5432), AGENTHQ_REDIS_URL (default
# redis://127.0.0.1:6379); KEEP_LOGS=1 keeps the nodes' logs (the folder is printed).

pg=${AGENTHQ_PG:-postgres://postgres@127.0.0.1:5432}
redis=${AGENTHQ_REDIS_URL:-redis://127.0.0.1:6379}
target=${CARGO_TARGET_DIR:-target}
pids=()
cluster_port=0

stop_cluster() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $cluster_db" >/dev/null 2>&1 || true
    if [ -n "${KEEP_LOGS:-}" ]; then echo "node logs: $cluster_work" >&2; else rm -rf "$cluster_work"; fi
}

node_url() { echo "http://127.0.0.1:$((cluster_port + $1 - 1))"; }

start_cluster() {
    local name=$1 nodes=$2
    cluster_port=$3
    cargo build --release -p agenthq-server -p agenthq-loadtest
    cluster_db="agenthq_${name}_$(date +%s)"
    cluster_work=$(mktemp -d)
    trap stop_cluster EXIT
    psql "$pg/postgres" -qc "CREATE DATABASE $cluster_db"
    export AGENTHQ_DATABASE_URL="$pg/$cluster_db"
    export AGENTHQ_REDIS_URL="$redis"
    export AGENTHQ_JWT_SECRET="$name-run-secret-shared-by-every-node-0123456789"
    export AGENTHQ_WS_MAX_CONNECTIONS_PER_IP=20000
    # Load against our own nodes: no request rate limits, and workspaces made through the
    # API get the enterprise tier's caps (offices of up to 50 agents).
    export AGENTHQ_RATE_LIMITS__ENABLED=false
    export AGENTHQ_DEFAULT_TIER=enterprise
    export AGENTHQ_LOG_FORMAT=json
    local n
    for n in $(seq "$nodes"); do
        AGENTHQ_LISTEN="127.0.0.1:$((cluster_port + n - 1))" AGENTHQ_DATA_DIR="$cluster_work/node$n" \
            "$target/release/agenthq" serve >"$cluster_work/node$n.log" 2>&1 &
        pids+=($!)
    done
    for n in $(seq "$nodes"); do
        local _
        for _ in $(seq 100); do
            curl -fs "$(node_url "$n")/readyz" >/dev/null && break
            sleep 0.2
        done
        curl -fs "$(node_url "$n")/readyz" >/dev/null || {
            echo "node $n did not become ready:" >&2
            tail -20 "$cluster_work/node$n.log" >&2
            exit 1
        }
    done
}
