#!/usr/bin/env bash
# Smoke test of GRPO training on WebGPU from the compiled binary alone: `synth-rl sim --device webgpu`
# from an empty directory with a minimal environment, on the software adapter (Mesa llvmpipe: CI
# machines have no GPU), then `synth-rl train` on a tiny model; the job must succeed on the adapter.
set -euo pipefail
bin=$1 dir=$2
key=sk-smoke-webgpu
port=$(( 20000 + RANDOM % 20000 ))
cd "$dir"
envmin=(env -i PATH=/usr/bin:/bin HOME="$HOME" SYNTH_RL_WEBGPU_ADAPTER=software)
"${envmin[@]}" "$bin" sim --port "$port" --task-app-port 0 --device webgpu --api-key "$key" --state-dir webgpu-state >sim-webgpu.log 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'export TASK_APP_BASE_URL=' sim-webgpu.log 2>/dev/null && break; sleep 0.1; done
grep -E '^  (device|adapter) ' sim-webgpu.log
task_url=$(sed -nE 's/^  export TASK_APP_BASE_URL=(.*)$/\1/p' sim-webgpu.log)
env_key=$(sed -nE 's/^  export ENVIRONMENT_API_KEY=(.*)$/\1/p' sim-webgpu.log)
cat >tiny-webgpu.toml <<TOML
type = "rl"
[job]
model = "Qwen/Qwen3-0.6B"
[training]
num_epochs = 1
iterations_per_epoch = 2
[trainer]
batch_size = 1
group_size = 4
[env]
max_steps_per_episode = 4
[evaluation]
seeds = [0, 1]
every_n_iters = 2
[checkpoint]
interval = 2
[sim]
trainer = "grpo"
preset = "micro"
device = "webgpu"
webgpu_adapter = "software"
[sim.model]
n_layer = 1
n_head = 1
d_model = 16
n_ctx = 96
TOML
set +e
"${envmin[@]}" PROD_BACKEND_URL="http://127.0.0.1:$port" SYNTH_API_KEY="$key" ENVIRONMENT_API_KEY="$env_key" TASK_APP_BASE_URL="$task_url" \
  "$bin" train --config-path tiny-webgpu.toml >train-webgpu.log 2>&1
rc=$?
set -e
# The trainer's rl.train.started event names the device it trained on.
job=$(grep -oE 'job_[0-9a-f]+' train-webgpu.log | head -1)
device=$(curl -fs -H "authorization: Bearer $key" "http://127.0.0.1:$port/api/learning/jobs/$job/events?limit=1000" | grep -oE '"device":"[^"]*"' | head -1)
echo "job $job: $device"
kill -TERM $pid
wait $pid || true
trap - EXIT
grep -E 'rl.train.started|rl.job.completed|rl.job.failed' train-webgpu.log | cut -c1-240 || true
test "$rc" -eq 0 && [[ "$device" == *'"device":"webgpu (llvmpipe'* ]]
