#!/usr/bin/env bash
# Smoke test of `synth-rl sim` from the compiled binary: start it from an empty directory with a
# minimal environment, create a replay job over HTTP, wait for it to succeed, stop with SIGTERM.
# SMOKE_TIME_SCALE=N waits N times longer (the linux-arm64 binary under qemu user emulation).
set -euo pipefail
bin=$1 dir=$2
scale=${SMOKE_TIME_SCALE:-1}
key=sk-smoke
port=$(( 20000 + RANDOM % 20000 ))
cd "$dir"
env -i PATH=/usr/bin:/bin HOME="$HOME" "$bin" sim --port "$port" --task-app-port 0 --trainer replay --api-key "$key" --state-dir state >sim.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq $((50 * scale))); do curl -fs -H "authorization: Bearer $key" "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.1; done
body='{"job_type":"rl","data":{"endpoint_base_url":"http://127.0.0.1:8001","config":{"sim":{"replay":{"iterations":3,"step_seconds":0.01}}}}}'
job=$(curl -fs -H "authorization: Bearer $key" -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$port/api/rl/jobs" | sed -E 's/.*"job_id":"([^"]+)".*/\1/')
status=""
for _ in $(seq $((100 * scale))); do
  status=$(curl -fs -H "authorization: Bearer $key" "http://127.0.0.1:$port/api/learning/jobs/$job" | sed -E 's/.*"status":"([^"]+)".*/\1/')
  [ "$status" = succeeded ] && break
  sleep 0.1
done
echo "job $job: $status"
kill -TERM $pid
wait $pid
trap - EXIT
test "$status" = succeeded
test "$(stat -c %a state/sim.sqlite)" = 600
