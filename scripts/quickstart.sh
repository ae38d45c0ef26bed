#!/usr/bin/env bash
# EdgeAi quickstart: the whole fleet loop on this machine, embedded defaults, nothing downloaded.
#
#   hub (embedded MQTT broker, SQLite) -> enrollment token -> enrolled agent -> model pushed (signed)
#   -> rolled out -> inference served locally and through fallback -> hub stopped, the agent keeps
#   serving -> hub restarted on the same ports, the agent catches up -> summary + dashboard address.
#
# Every step is the real CLI a user would type; its output is kept in the work directory.
# Usage: scripts/quickstart.sh [--keep-running]   (keep hub and agent up until Ctrl+C to browse the dashboard)
# EDGEAI_AGENT_BINARY=PATH runs that agent executable instead of the Release build (scripts/publish-smoke.sh
# runs the loop with the published native binary this way).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
[ "${1:-}" = "--keep-running" ] && keep=true
work=$(mktemp -d -t edgeai-quickstart-XXXXXX)
hub_pid="" agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null; wait "$hub_pid" 2>/dev/null || true; fi
  if [ "$ok" = true ]; then rm -rf "$work"; else echo "quickstart: logs and data kept in $work" >&2; fi
}
ok=false
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { echo "quickstart: $*" >&2; exit 1; }
# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.25 s until it succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.25
  done
}

agent=${EDGEAI_AGENT_BINARY:-edge-agent/EdgeAi.Agent/bin/Release/net10.0/edge-agent}
step "Building $([ -z "${EDGEAI_AGENT_BINARY:-}" ] && echo "edge-agent and ")cloud-hub (Release)"
: >"$work/build.log"
if [ -z "${EDGEAI_AGENT_BINARY:-}" ]; then
  dotnet build -c Release -v q -nologo edge-agent/EdgeAi.Agent/EdgeAi.Agent.csproj >>"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build failed"; }
else
  [ -x "$agent" ] || fail "EDGEAI_AGENT_BINARY=$agent is not an executable"
  echo "agent: $agent"
fi
dotnet build -c Release -v q -nologo cloud-hub/EdgeAi.Hub/EdgeAi.Hub.csproj >>"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build failed"; }
hub=cloud-hub/EdgeAi.Hub/bin/Release/net10.0/cloud-hub
hub_dir=$work/hub agent_dir=$work/agent
export EDGEAI_Logging__Console__FormatterName=simple

start_hub() { # start_hub LOG PORT MQTT_PORT MQTT_TLS_PORT
  "$hub" run --data-dir "$hub_dir" --listen 127.0.0.1 --port "$2" --mqtt-port "$3" --mqtt-tls-port "$4" >"$work/$1" 2>&1 &
  hub_pid=$!
  wait_for 60 "the hub to listen" grep -q "Cloud hub listening" "$work/$1"
}
admin() { # admin PATH: GET from the admin API with the hub's generated admin key, trusting its own CA
  curl -sf --cacert "$hub_dir/hub-ca.crt" -H "Authorization: Bearer $(cat "$hub_dir/admin.key")" "$hub_url$1"
}
admin_has() { # admin_has PATH JQ-FILTER: true when the answer exists and matches
  local answer
  answer=$(admin "$1") && jq -e "$2" <<<"$answer" >/dev/null
}

step "Starting the hub: TLS, embedded MQTT broker, SQLite, all in $hub_dir"
start_hub hub.log 0 0 0
hub_url=$(grep -oE 'listening on https://[0-9.:]+' "$work/hub.log" | head -1 | sed 's/listening on //')
hub_port=${hub_url##*:}
mqtt_line=$(grep -m1 'MQTT broker listening' "$work/hub.log")
mqtt_port=$(sed -E 's/.*plain port (-?[0-9]+).*/\1/' <<<"$mqtt_line")
mqtt_tls_port=$(sed -E 's/.*TLS port (-?[0-9]+).*/\1/' <<<"$mqtt_line")
echo "hub at $hub_url (MQTT $mqtt_port, MQTT over TLS $mqtt_tls_port); admin key in $hub_dir/admin.key"

step "cloud-hub tokens create --tags site=quickstart --uses 1 --expires 1h"
"$hub" tokens create --data-dir "$hub_dir" --hub "$hub_url" --tags site=quickstart --uses 1 --expires 1h | tee "$work/token.txt"
enroll_line=$(grep -oE 'edge-agent enroll .*' "$work/token.txt" | head -1)
[ -n "$enroll_line" ] || fail "tokens create printed no enroll command"

step "${enroll_line/--token */--token …} --device-id quickstart-device"
# shellcheck disable=SC2086 # the enroll line is words by design
"$agent" ${enroll_line#edge-agent } --device-id quickstart-device --data-dir "$agent_dir"

step "Pushing two signed models: classifier v1 (for the device) and classifier-int8 v1 (hub only)"
"$agent" models sample classifier --out "$work/classifier.onnx" >/dev/null
"$agent" models sample classifier-int8 --out "$work/classifier-int8.onnx" >/dev/null
"$hub" models push "$work/classifier.onnx" --name classifier --version 1 --data-dir "$hub_dir" --hub "$hub_url"
"$hub" models push "$work/classifier-int8.onnx" --name classifier-int8 --version 1 --data-dir "$hub_dir" --hub "$hub_url"

step "Starting the agent (identity from enrollment; no other settings)"
# Telemetry every 2 s instead of 30 s, so the summary is current.
EDGEAI_Telemetry__Interval=00:00:02 "$agent" run --data-dir "$agent_dir" --http-port 0 --grpc-port 0 >>"$work/agent.log" 2>&1 &
agent_pid=$!
wait_for 60 "the agent to listen" grep -q "Edge agent listening" "$work/agent.log"
grpc_url=$(grep -oE 'gRPC http://[0-9.:]+' "$work/agent.log" | head -1 | sed 's/gRPC //')
wait_for 30 "the agent to come online at the hub" admin_has /api/fleet/devices '.[] | select(.id=="quickstart-device" and .state=="online")'

step "cloud-hub deployments create --model classifier --version 1 --selector site=quickstart --waves 50,100"
"$hub" deployments create --model classifier --version 1 --selector site=quickstart --waves 50,100 --health-timeout 2m --data-dir "$hub_dir" --hub "$hub_url"
wait_for 120 "the rollout to complete" admin_has /api/deployments/1 'select(.state=="completed")'
"$hub" deployments show 1 --data-dir "$hub_dir" --hub "$hub_url"

step "Inference: classifier on the device, classifier-int8 through fallback to the hub"
"$agent" infer classifier --url "$grpc_url" --generate random | tee "$work/infer-local.txt"
"$agent" infer classifier-int8 --url "$grpc_url" --generate random | tee "$work/infer-cloud.txt"
grep -q "served by local" "$work/infer-local.txt" || fail "classifier was not served locally"
grep -q "served by cloud" "$work/infer-cloud.txt" || fail "classifier-int8 was not served by the hub"

step "Stopping the hub: the agent keeps serving locally, its records wait in the outbox"
kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; hub_pid=""
for _ in 1 2 3; do "$agent" infer classifier --url "$grpc_url" --generate random >"$work/infer-offline.txt"; head -1 "$work/infer-offline.txt"; done

step "Restarting the hub on the same ports: the agent reconnects and catches up (5 requests: 2 before, 3 while the hub was down)"
start_hub hub-restarted.log "$hub_port" "$mqtt_port" "$mqtt_tls_port"
wait_for 60 "the agent's offline requests to reach the hub" admin_has /api/fleet/devices '.[] | select(.id=="quickstart-device" and .state=="online" and .requests>=5)'

device=$(admin /api/fleet/devices | jq -c '.[] | select(.id=="quickstart-device")')
step "Summary"
cat <<EOF
hub        $hub_url   (data: $hub_dir)
device     $(jq -r '.id + "  " + .state + ", agent " + .agentVersion + ", providers " + (.executionProviders|join(","))' <<<"$device")
models     $(jq -r '[.models[] | .name + " v" + .version + " (" + .state + ")"] | join(", ")' <<<"$device")
requests   $(jq -r '"\(.requests) in the last hour, fallback rate \((.fallbackRate // 0) * 100 | floor)%"' <<<"$device")
rollout    $(admin /api/deployments/1 | jq -r '"deployment 1: classifier v1 " + .state + ", \(.devices.active)/\(.devices.total) devices active"')
audit      $(admin '/api/audit?limit=100' | jq -r 'length') entries (cloud-hub audit --data-dir $hub_dir --hub $hub_url)
dashboard  $hub_url/dashboard   (admin key: $hub_dir/admin.key)
EOF
ok=true
if [ "$keep" != true ]; then
  echo; echo "Stopped and cleaned up. To browse the dashboard, run: scripts/quickstart.sh --keep-running"
else
  ok=false # keep the data for browsing
  echo; echo "Hub and agent keep running; Ctrl+C stops them."
  wait
fi
