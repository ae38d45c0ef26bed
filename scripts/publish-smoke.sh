#!/usr/bin/env bash
# Publishes the edge agent for linux-x64 with publish-profiles/linux-x64.pubxml (Native AOT: one native
# executable, native libraries beside it) and proves the binary works:
#   1. no trim or AOT warning (IL2xxx/IL3xxx) attributed to our own assemblies (third-party ones are listed);
#   2. `edge-agent quickstart` prints OK;
#   3. `edge-agent run` on free ports, with a model installed by `edge-agent models add`, becomes
#      ready over REST and answers one REST inference with the expected probabilities;
#   4. the same inference through system shared memory (input and output regions in /dev/shm);
#   5. .NET's own error messages are words, not resource keys;
#   6. what compiled code could break (reflection, expressions, CPU detection) on the device's paths: a real photo
#      through an image pipeline into ResNet18, a simulated GPIO button firing a rule that sets a pin, `check` and
#      `support-bundle` reading the outbox, `models quantize` with calibration photos, and the fleet loop of
#      scripts/quickstart.sh (enrollment over TLS, MQTT, a signed rollout, the encrypted outbox) with this binary.
# Prints `publish-smoke: OK` and exits 0, or exits non-zero with the reason.
# Needs: dotnet (SDK from global.json), clang and lld, curl, jq, apt-get (scripts/test-images.sh fetches the photos).
# Run from anywhere: scripts/publish-smoke.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
rid=linux-x64
binary=$root/artifacts/publish/$rid/edge-agent
ready_timeout_s=${READY_TIMEOUT_S:-60}

work=$(mktemp -d "${TMPDIR:-/tmp}/publish-smoke.XXXXXX")
agent_pid=""

cleanup() {
    if [[ -n $agent_pid ]] && kill -0 "$agent_pid" 2>/dev/null; then
        kill "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "publish-smoke: FAILED: $*" >&2
    exit 1
}

step() {
    echo
    echo "== $*"
}

for tool in dotnet clang ld.lld curl jq; do
    command -v "$tool" >/dev/null || fail "'$tool' is not installed"
done

step "publish $rid"
# The trimmer must really run, or its warnings would not be in the log: drop its up-to-date
# output. (Our compile-time trim analyzer warnings are errors already: warnings as errors.)
if [[ -d edge-agent/EdgeAi.Agent/obj ]]; then
    find edge-agent/EdgeAi.Agent/obj -type d -name linked -path "*/$rid/*" -prune -exec rm -rf {} +
fi
publish_log=$work/publish.log
if ! dotnet publish edge-agent/EdgeAi.Agent \
    -p:PublishProfileFullPath="$root/publish-profiles/$rid.pubxml" 2>&1 | tee "$publish_log"; then
    fail "dotnet publish failed (see above)"
fi
[[ -x $binary ]] || fail "no executable at $binary after publishing"

step "trim warnings"
# MSBuild ends every line with the project being built ("[.../EdgeAi.Agent.csproj]"): drop that
# before deciding whose warning it is, or every warning would look like ours.
trim_warnings=$work/trim-warnings.txt
{ grep -E '(warning|error) IL[23][0-9]{3}' "$publish_log" || true; } \
    | sed -E 's/ +\[[^]]*\]$//' | sort -u >"$trim_warnings"
ours=$work/trim-warnings-ours.txt
{ grep -E 'EdgeAi\.|edge-agent' "$trim_warnings" || true; } >"$ours"
third_party=$(grep -cvE 'EdgeAi\.|edge-agent' "$trim_warnings" || true)
echo "trim warnings: $(wc -l <"$ours") in our assemblies, $third_party in third-party assemblies"
if [[ $third_party -gt 0 ]]; then
    grep -vE 'EdgeAi\.|edge-agent' "$trim_warnings" | sed 's/^/  third-party: /'
fi
if [[ -s $ours ]]; then
    sed 's/^/  ours: /' "$ours" >&2
    fail "trim warnings in our own code; fix them (annotate or remove the reflection), do not suppress them"
fi

step "publish folder"
# What an installer copies, and nothing else: the native executable (the agent and .NET compiled ahead of
# time), the ONNX Runtime libraries it loads from beside it, and the settings file.
publish_dir=$(dirname "$binary")
expected="appsettings.json edge-agent libonnxruntime.so libonnxruntime_providers_shared.so"
actual=$(find "$publish_dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//')
[[ $actual == "$expected" ]] || fail "the publish folder holds '$actual', expected '$expected'"
mib() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 1048576 }'; }
size=$(stat -c %s "$binary")
native=$(stat -c %s "$publish_dir"/*.so | awk '{ s += $1 } END { print s }')
echo "binary: $binary, $size bytes ($(mib "$size") MiB); native libraries beside it: $native bytes ($(mib "$native") MiB)"
(( size < 45 * 1048576 )) || fail "the binary is $(mib "$size") MiB; the target is under 45 MiB, with ONNX Runtime beside it"

step "edge-agent quickstart"
# A single-file bundle with native libraries inside extracts them under DOTNET_BUNDLE_EXTRACT_BASE_DIR on
# first start; this binary must extract nothing, even once ONNX Runtime is loaded (checked after the inference).
export DOTNET_BUNDLE_EXTRACT_BASE_DIR=$work/extract
quickstart_log=$work/quickstart.log
"$binary" quickstart 2>&1 | tee "$quickstart_log" || fail "quickstart failed"
grep -q -- '-> OK$' "$quickstart_log" || fail "quickstart did not print OK"

step "edge-agent models add"
# quickstart with --data-dir keeps the directory, with its sample models installed.
"$binary" quickstart --data-dir "$work/quickstart" >/dev/null || fail "quickstart --data-dir failed"
model_file=$work/quickstart/models/classifier/1/model.onnx
[[ -f $model_file ]] || fail "quickstart --data-dir left no model at $model_file"
data_dir=$work/data
"$binary" models add "$model_file" --name smoke --data-dir "$data_dir" || fail "models add failed"

step "edge-agent run"
# Port 0: the agent picks free ports and logs them, so nothing can take them in between.
agent_log=$work/agent.log
"$binary" run --data-dir "$data_dir" --http-port 0 --grpc-port 0 --providers CPU >"$agent_log" 2>&1 &
agent_pid=$!

rest=""
ready=false
for ((i = 0; i < ready_timeout_s * 10; i++)); do
    if ! kill -0 "$agent_pid" 2>/dev/null; then
        cat "$agent_log" >&2
        fail "the agent exited before it was ready"
    fi
    if [[ -z $rest ]]; then
        rest=$(grep -oE 'REST http://[0-9.]+:[0-9]+' "$agent_log" | head -n 1 | cut -d' ' -f2 || true)
    fi
    if [[ -n $rest ]] && curl -sf -o /dev/null "$rest/v2/health/ready"; then
        ready=true
        break
    fi
    sleep 0.1
done
if [[ $ready != true ]]; then
    cat "$agent_log" >&2
    fail "the agent was not ready within ${ready_timeout_s}s (REST address: ${rest:-not logged})"
fi
echo "ready at $rest after $(awk -v i="$i" 'BEGIN { printf "%.1f", i / 10 }') s"

step "REST infer"
response=$work/response.json
status=$(curl -s -o "$response" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[0.5,-1,1.5,2]}]}' \
    "$rest/v2/models/smoke/infer") || fail "curl could not reach $rest"
cat "$response"
echo
[[ $status == 200 ]] || fail "infer answered HTTP $status"
# The sample classifier's reference probabilities for this input are [0.6386, 0.1082, 0.2532].
jq -e '
    .model_name == "smoke"
    and (.outputs | length) == 1
    and .outputs[0].datatype == "FP32"
    and .outputs[0].shape == [1, 3]
    and ([.outputs[0].data, [0.6386, 0.1082, 0.2532]] | transpose | all(((.[0] - .[1]) | fabs) < 1e-3))
' "$response" >/dev/null || fail "unexpected infer response"

step "REST infer through system shared memory"
# The same input from a POSIX shared-memory object, the answer written into another: the trimmed
# binary's statx/mmap path. FP32 [0.5, -1, 1.5, 2] little-endian.
shm_in=/dev/shm/edgeai-smoke-in-$$
shm_out=/dev/shm/edgeai-smoke-out-$$
printf '\x00\x00\x00\x3f\x00\x00\x80\xbf\x00\x00\xc0\x3f\x00\x00\x00\x40' >"$shm_in"
truncate -s 64 "$shm_out"
chmod 0600 "$shm_in" "$shm_out"
for region in in out; do
    key=/$(basename "$([[ $region == in ]] && echo "$shm_in" || echo "$shm_out")")
    size=$([[ $region == in ]] && echo 16 || echo 64)
    status=$(curl -s -o "$response" -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"key\":\"$key\",\"offset\":0,\"byte_size\":$size}" "$rest/v2/systemsharedmemory/region/smoke-$region/register")
    [[ $status == 200 ]] || { rm -f "$shm_in" "$shm_out"; fail "register smoke-$region answered HTTP $status: $(cat "$response")"; }
done
status=$(curl -s -o "$response" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"shared_memory_region":"smoke-in","shared_memory_byte_size":16}}],
         "outputs":[{"name":"probabilities","parameters":{"shared_memory_region":"smoke-out","shared_memory_byte_size":64}}]}' \
    "$rest/v2/models/smoke/infer")
cat "$response"
echo
written=$(od -An -t f4 -N 12 "$shm_out")
curl -s -o /dev/null -X POST "$rest/v2/systemsharedmemory/unregister"
rm -f "$shm_in" "$shm_out"
[[ $status == 200 ]] || fail "shared-memory infer answered HTTP $status"
jq -e '.outputs[0].parameters.shared_memory_region == "smoke-out" and (.outputs[0] | has("data") | not)' "$response" >/dev/null \
    || fail "the shared-memory output was not answered with its region and no data"
echo "output region: $written"
awk -v w="$written" 'BEGIN { split(w, v, " "); split("0.6386 0.1082 0.2532", r, " ");
    for (i = 1; i <= 3; i++) if ((v[i] - r[i]) ^ 2 > 1e-6) exit 1 }' || fail "the output region holds $written, not the reference probabilities"

step "nothing extracted"
extracted=0
if [[ -d $DOTNET_BUNDLE_EXTRACT_BASE_DIR ]]; then
    extracted=$(find "$DOTNET_BUNDLE_EXTRACT_BASE_DIR" -type f | wc -l)
fi
[[ $extracted -eq 0 ]] || fail "the binary extracted $extracted files to $DOTNET_BUNDLE_EXTRACT_BASE_DIR; native libraries belong beside it"
echo "no files extracted; ONNX Runtime loaded from $publish_dir"

step "readable .NET messages"
# Enrolling over TLS against the agent's plain REST port fails in the TLS handshake. The trimmed
# binary must say why in words, not as a resource key (net_frame_read_size) as it did when
# UseSystemResourceKeys was on.
refusal=$("$binary" enroll --hub "https://${rest#http://}" --token smoke.token --insecure --data-dir "$work/enroll" 2>&1 || true)
echo "$refusal"
grep -q 'cannot reach the hub' <<<"$refusal" || fail "enroll against a non-TLS port did not say it cannot reach the hub"
if grep -qE '\b(net|ssl|io)_[a-z0-9_]+\b' <<<"$refusal"; then
    fail "a .NET message is a resource key, not words: $refusal"
fi

kill "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
agent_pid=""

# The binary is compiled ahead of time: code that reflects or compiles expressions at run time works in the
# JIT builds the other tests run and can fail only here. So the paths the device uses go through this binary
# too: images (decoder, resize, normalize) into a real model, GPIO and rules, the outbox readers, quantization,
# and the fleet loop (enrollment over TLS, MQTT, a signed model rolled out, the encrypted outbox).
step "image pipeline, GPIO and a rule (ResNet18, a real photo)"
scripts/test-images.sh >/dev/null || fail "scripts/test-images.sh could not provide the test photos"
dotnet restore bench/EdgeAi.Bench -v q >/dev/null || fail "could not restore bench/EdgeAi.Bench (ResNet18 comes with its NuGet package)"
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
resnet=$(find "$packages/microsoft.ml.dnnimagefeaturizer.resnet18" -name ResNet18.onnx | head -n 1)
[[ -f $resnet ]] || fail "ResNet18.onnx is not in $packages"
device=$work/device
"$binary" models add "$resnet" --name resnet18 --data-dir "$device" >/dev/null || fail "models add ResNet18 failed"
mkdir -p "$work/photos"
cp artifacts/test-images/rocket.jpg artifacts/test-images/chelsea.png artifacts/test-images/coffee.png "$work/photos/"
# ResNet18's featurizer takes BGR pixels minus the ImageNet means; its output is 512 features.
export EDGEAI_Pipelines__photo__Model=resnet18 \
    EDGEAI_Pipelines__photo__Resize__Width=224 EDGEAI_Pipelines__photo__Resize__Height=224 \
    EDGEAI_Pipelines__photo__Normalize__Scale=1 EDGEAI_Pipelines__photo__Normalize__Order=BGR \
    EDGEAI_Pipelines__photo__Normalize__Mean__0=103.06 EDGEAI_Pipelines__photo__Normalize__Mean__1=115.90 \
    EDGEAI_Pipelines__photo__Normalize__Mean__2=123.15 EDGEAI_Pipelines__photo__Post__Enabled=false \
    EDGEAI_Gpio__Driver=simulated \
    EDGEAI_Gpio__Pins__button__Number=5 EDGEAI_Gpio__Pins__button__Mode=input \
    EDGEAI_Gpio__Pins__lamp__Number=6 EDGEAI_Gpio__Pins__lamp__Mode=output \
    EDGEAI_Rules__door__Trigger__Kind=gpio EDGEAI_Rules__door__Trigger__Pin=button \
    EDGEAI_Rules__door__Input__Kind=newest-file EDGEAI_Rules__door__Input__Directory="$work/photos" \
    EDGEAI_Rules__door__Input__Pattern='*.jpg' EDGEAI_Rules__door__Target=photo \
    EDGEAI_Rules__door__Actions__0__Kind=gpio-set EDGEAI_Rules__door__Actions__0__Pin=lamp \
    EDGEAI_Rules__door__Actions__0__Value=1 EDGEAI_Rules__door__Actions__1__Kind=event
agent_log=$work/device.log
"$binary" run --data-dir "$device" --http-port 0 --grpc-port 0 --providers CPU >"$agent_log" 2>&1 &
agent_pid=$!
rest=""
for ((i = 0; i < ready_timeout_s * 10; i++)); do
    kill -0 "$agent_pid" 2>/dev/null || { cat "$agent_log" >&2; fail "the agent with the pipeline exited before it was ready"; }
    [[ -n $rest ]] || rest=$(grep -oE 'REST http://[0-9.]+:[0-9]+' "$agent_log" | head -n 1 | cut -d' ' -f2 || true)
    if [[ -n $rest ]] && curl -sf -o /dev/null "$rest/v2/models/photo/ready"; then break; fi
    sleep 0.1
done
curl -sf -o /dev/null "$rest/v2/models/photo/ready" || { cat "$agent_log" >&2; fail "pipeline 'photo' was not ready"; }
printf '{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["%s"]}]}' "$(base64 -w0 "$work/photos/chelsea.png")" >"$work/photo.json"
status=$(curl -s -o "$response" -w '%{http_code}' -H 'Content-Type: application/json' -d @"$work/photo.json" "$rest/v2/models/photo/infer")
[[ $status == 200 ]] || fail "the pipeline answered HTTP $status: $(head -c 400 "$response")"
jq -e '.outputs[0].shape == [1, 512, 1, 1] and (.outputs[0].data | length) == 512 and (.outputs[0].data | map(isnormal or . == 0) | all)' \
    "$response" >/dev/null || fail "the pipeline's answer is not 512 features: $(head -c 400 "$response")"
echo "photo (PNG) through the pipeline: 512 features"
"$binary" gpio pulse button --url "$rest" >/dev/null || fail "gpio pulse button failed"
fired=false
for ((i = 0; i < 300; i++)); do
    if [[ $("$binary" gpio read lamp --url "$rest" 2>/dev/null) == *1* ]]; then fired=true; break; fi
    sleep 0.1
done
"$binary" rules list --url "$rest" | tee "$work/rules.txt"
[[ $fired == true ]] || { cat "$agent_log" >&2; fail "the rule did not set the lamp after the button press"; }
echo "button -> rule 'door' -> rocket.jpg (JPEG) through the pipeline -> lamp on"
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null || true
agent_pid=""

step "check, support bundle and INT8 quantization"
"$binary" check --json --data-dir "$device" >"$work/check.json" || true
jq -e '[.checks[] | select(.id == "outbox" and .status == "ok")] | length == 1' "$work/check.json" >/dev/null \
    || fail "check --json did not report the outbox: $(head -c 400 "$work/check.json")"
"$binary" support-bundle --output "$work/bundle.tar.gz" --data-dir "$device" >/dev/null || fail "support-bundle failed"
tar -tzf "$work/bundle.tar.gz" | grep -qx 'outbox.json' || fail "the support bundle has no outbox.json: $(tar -tzf "$work/bundle.tar.gz" | tr '\n' ' ')"
echo "check and support bundle read the outbox"
"$binary" models quantize "$resnet" --out "$work/resnet18-int8.onnx" --calibration "$work/photos" --pipeline photo \
    --data-dir "$device" >"$work/quantize.log" 2>&1 || { cat "$work/quantize.log" >&2; fail "models quantize failed"; }
grep -E '^(hardware|quantized|accuracy|speed)' "$work/quantize.log"
[[ -s $work/resnet18-int8.onnx ]] || fail "models quantize wrote no model"
# Compiled code cannot ask the intrinsics what the CPU has (they are constants of the compile target): the
# quantizer must still see AVX2 where the kernel lists it, or it would pick full 8-bit weights that saturate.
hardware=$(grep -m1 '^hardware:' "$work/quantize.log" || true)
if grep -qw avx2 /proc/cpuinfo && [[ $hardware == *"no AVX2"* ]]; then
    fail "the compiled quantizer does not see this CPU's AVX2: $hardware"
fi
unset "${!EDGEAI_Pipelines__@}" "${!EDGEAI_Gpio__@}" "${!EDGEAI_Rules__@}"

step "the fleet loop with this binary (scripts/quickstart.sh)"
EDGEAI_AGENT_BINARY=$binary scripts/quickstart.sh >"$work/quickstart-fleet.log" 2>&1 \
    || { tail -n 40 "$work/quickstart-fleet.log" >&2; fail "the quickstart fleet loop failed with the published agent"; }
grep -E 'served by (local|cloud)|deployment 1:' "$work/quickstart-fleet.log" | sed 's/^/  /'
grep -q 'deployment 1: classifier v1 completed, 1/1 devices active' "$work/quickstart-fleet.log" \
    || fail "the fleet loop did not complete its deployment"

echo
echo "publish-smoke: OK"
