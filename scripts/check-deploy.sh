#!/usr/bin/env bash
# Checks the deployment files without a container engine or a cluster:
#   - docker-compose.yml parses and validates (`docker-compose config`, Debian's
#     docker-compose), with and without the monitoring profile, and every file it mounts
#     or builds from exists;
#   - the Kubernetes manifests validate against the API's schemas, strictly
#     (kubernetes-validate from PyPI, schemas bundled: no network);
#   - the Prometheus configuration and alert rules pass `promtool check` (Debian's
#     prometheus package);
#   - the Grafana provisioning points where the compose file mounts the dashboards.
# Tools are installed when missing (apt for the first two, a venv in the cache).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"

need_apt=()
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing ${need_apt[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
fi
venv="$cache/kubernetes-validate"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
    echo "==> installing kubernetes-validate into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q kubernetes-validate==1.37.0
fi

# The compose file demands a token secret; any value checks the file.
export AGENTHQ_JWT_SECRET=check-only-not-a-secret-check-only-not-a-secret
echo "==> docker-compose config"
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --profile monitoring config -q
services=$(docker-compose -f docker-compose.yml --profile monitoring config --services | sort | tr '\n' ' ')
echo "services: $services"
for want in agenthq-1 agenthq-2 balancer postgres redis prometheus grafana; do
    case " $services " in *" $want "*) ;; *) echo "docker-compose.yml lacks the $want service" >&2; exit 1 ;; esac
done

echo "==> files the compose file mounts and builds from"
# Debian's docker-compose runs on Debian's Python, which has PyYAML.
docker-compose -f docker-compose.yml --profile monitoring config | /usr/bin/python3 -c '
import os, sys, yaml
config = yaml.safe_load(sys.stdin)
missing = []
for name, service in config["services"].items():
    build = service.get("build")
    if build:
        context = build["context"] if isinstance(build, dict) else build
        dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
        if not os.path.isfile(dockerfile):
            missing.append(f"{name}: {dockerfile}")
    for volume in service.get("volumes", []):
        if isinstance(volume, dict) and volume.get("type") == "bind":
            source = volume["source"]
        elif isinstance(volume, str) and volume.startswith(("/", ".")):
            source = volume.split(":")[0]
        else:
            continue
        if not os.path.exists(source):
            missing.append(f"{name}: {source}")
        else:
            print(f"  {name}: {source}")
if missing:
    sys.exit("missing: " + ", ".join(missing))
'
# What the Dockerfile copies in and runs.
test -x scripts/build-image-root.sh

echo "==> Kubernetes manifests"
"$venv/bin/kubernetes-validate" --strict --kubernetes-version 1.31.0 deploy/kubernetes/*.yaml

echo "==> Prometheus configuration and alert rules"
promtool check rules deploy/prometheus/alerts.yml
staged=$(mktemp -d)
trap 'rm -rf "$staged"' EXIT
# The compose file mounts the rules at /etc/prometheus/alerts.yml; check them from here.
sed "s|/etc/prometheus/alerts.yml|$PWD/deploy/prometheus/alerts.yml|" deploy/prometheus/prometheus.yml \
    > "$staged/prometheus.yml"
promtool check config "$staged/prometheus.yml"

echo "==> Grafana provisioning"
grep -q "path: /var/lib/grafana/dashboards" deploy/grafana/provisioning/dashboards/agenthq.yml
grep -q "./deploy/grafana/dashboards:/var/lib/grafana/dashboards" docker-compose.yml
grep -q "uid: prometheus" deploy/grafana/provisioning/datasources/prometheus.yml
/usr/bin/python3 -c 'import json,sys; d=json.load(open("deploy/grafana/dashboards/agenthq.json")); assert d["uid"] == "agenthq" and d["panels"], "dashboard"'
echo "deployment files check out"
