#!/usr/bin/env bash
# Memory of idle tenants on one node: starts the simulator (tenants with no backlog) and a node (SQLite) with N
# tenants of ten streams each, and prints the node's resident memory every 10 s until every tenant has started and
# settled. Run it for N=0 and a large N; (RSS_N - RSS_0) / N is the cost of one idle tenant.
# usage: bench/idle-tenants.sh N   (builds Release first)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:?usage: bench/idle-tenants.sh N}
dir=$(mktemp -d /tmp/idle-tenants-XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dotnet build -c Release src/MimecastActors.Host -v q -nologo >/dev/null
dotnet build -c Release src/MimecastActors.Simulator -v q -nologo >/dev/null
python3 - "$n" "$dir" "$port" <<'PY'
import json, sys
n, d, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ids = [f"t{i}" for i in range(max(n, 1))]
json.dump({"port": port, "clients": [{"clientId": i, "clientSecret": f"secret-{i}", "backlogFiles": 0} for i in ids],
           "intakeKeys": [f"intake-{i}" for i in ids]}, open(f"{d}/scenario.json", "w"))
base = f"http://127.0.0.1:{port}/"
json.dump({"Cluster": {"Port": port + 1 if port < 65000 else port - 1}, "Admin": {"Urls": "http://127.0.0.1:0"},
           "Persistence": {"ConnectionString": f"Data Source={d}/journal.db"}, "RejectedLines": {"Folder": f"{d}/rejected"},
           "Tenants": [{"Id": i, "Mimecast": {"BaseUrl": base, "ClientId": i, "ClientSecret": f"secret-{i}"},
                        "Intake": {"Url": base, "IntakeKey": f"intake-{i}"}} for i in ids[:n]]}, open(f"{d}/node.json", "w"))
PY
dotnet src/MimecastActors.Simulator/bin/Release/net10.0/mimecast-simulator.dll --scenario "$dir/scenario.json" >"$dir/simulator.log" 2>&1 &
simulator=$!
sleep 3
dotnet src/MimecastActors.Host/bin/Release/net10.0/mimecast-actors.dll run --config "$dir/node.json" >"$dir/node.log" 2>&1 &
node=$!
trap 'kill -TERM $node 2>/dev/null; sleep 3; kill $simulator 2>/dev/null; rm -rf "$dir"' EXIT
last=-1; stable=0
for _ in $(seq 1 60); do
  sleep 10
  rss=$(( $(awk '/VmRSS/ {print $2}' /proc/$node/status) / 1024 ))
  started=$(grep -c 'started:' "$dir/node.log" || true)
  echo "tenants started ${started}/${n}, node resident memory ${rss} MiB"
  if [ "$started" -ge "$n" ] && [ "$rss" -le $((last + 2)) ]; then stable=$((stable + 1)); else stable=0; fi
  last=$rss
  [ "$stable" -ge 3 ] && break
done
echo "N=${n}: ${last} MiB resident once settled"
