#!/usr/bin/env bash
# Measures the published agent (artifacts/publish/linux-x64 by default) with no models:
#   sizes: the binary (Native AOT), the native libraries beside it, the rest of the folder;
#   per start: wall time from exec to GET /v2/health/ready answering 200, CPU time (user+system)
#   spent by then, and after SETTLE_S seconds idle the resident set (VmRSS) split into
#   file-backed and anonymous (RssFile, RssAnon).
# Prints one line per start and the medians. Usage: scripts/start-probe.sh [starts] [publish dir]
# Extra agent settings pass through the environment (e.g. DOTNET_GCgen0size=...), which is how
# runtime knobs were compared before one was kept in the build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
starts=${1:-5}
dir=${2:-$PWD/artifacts/publish/linux-x64}
binary=$dir/edge-agent
settle_s=${SETTLE_S:-5}
[[ -x $binary ]] || { echo "start-probe: no executable at $binary (publish first)" >&2; exit 1; }
command -v curl >/dev/null || { echo "start-probe: curl is not installed" >&2; exit 1; }

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
native=$(find "$dir" -maxdepth 1 -type f -name '*.so*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
other=$(find "$dir" -maxdepth 1 -type f ! -name '*.so*' ! -name edge-agent -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
echo "binary $(mib "$(stat -c %s "$binary")") MiB, native libraries $(mib "$native") MiB ($(find "$dir" -maxdepth 1 -type f -name '*.so*' -printf '%f ')), other files $(mib "$other") MiB"

work=$(mktemp -d "${TMPDIR:-/tmp}/start-probe.XXXXXX")
pid=""
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

ticks=$(getconf CLK_TCK)
results=$work/results
for ((n = 1; n <= starts; n++)); do
    data=$work/data$n
    log=$work/agent$n.log
    start_ns=$(date +%s%N)
    "$binary" run --data-dir "$data" --http-port 0 --grpc-port 0 >"$log" 2>&1 &
    pid=$!
    rest=""
    while true; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "start-probe: the agent exited" >&2; exit 1; }
        [[ -n $rest ]] || rest=$(grep -oE 'REST http://[0-9.]+:[0-9]+' "$log" 2>/dev/null | head -n 1 | cut -d' ' -f2 || true)
        if [[ -n $rest ]] && curl -sf -o /dev/null "$rest/v2/health/ready"; then break; fi
        sleep 0.005
    done
    wall_ms=$((($(date +%s%N) - start_ns) / 1000000))
    read -r utime stime < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
    cpu_ms=$(((utime + stime) * 1000 / ticks))
    sleep "$settle_s"
    rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    file_kb=$(awk '/^RssFile:/ { print $2 }' "/proc/$pid/status")
    anon_kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    echo "start $n: ready ${wall_ms} ms wall, ${cpu_ms} ms CPU; idle RSS $(mib $((rss_kb * 1024))) MiB (file $(mib $((file_kb * 1024))), anon $(mib $((anon_kb * 1024))))"
    echo "$wall_ms $cpu_ms $rss_kb $file_kb $anon_kb" >>"$results"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
wall=$(cut -d' ' -f1 "$results" | median)
cpu=$(cut -d' ' -f2 "$results" | median)
rss=$(cut -d' ' -f3 "$results" | median)
file=$(cut -d' ' -f4 "$results" | median)
anon=$(cut -d' ' -f5 "$results" | median)
echo "median of $starts: ready ${wall} ms wall, ${cpu} ms CPU; idle RSS $(mib $((rss * 1024))) MiB (file $(mib $((file * 1024))), anon $(mib $((anon * 1024))))"
