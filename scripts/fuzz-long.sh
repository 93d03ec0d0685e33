#!/usr/bin/env bash
# Long fuzzing run (opt-in; CI fuzzes each harness for ESIM_FUZZ_SECONDS only): every libFuzzer
# harness of tests/fuzz/ for ESIM_FUZZ_LONG_SECONDS (default 300) from the corpus kept in the
# repository (tests/fuzz/corpus/<harness>/, plus the sample captures for the capture harnesses).
# What a run finds that adds coverage (new edges) is merged back into that corpus (libFuzzer
# -merge=1, inputs up to 64 KiB), so the next CI run starts from it: commit the grown corpus. A crash, leak,
# timeout or sanitizer report (UBSan is fatal in this build) stops with the reproducer kept in
# build-fuzz/long/.
#
#   scripts/fuzz-long.sh                 # every harness, 300 s each
#   ESIM_FUZZ_LONG_SECONDS=60 scripts/fuzz-long.sh fuzz_trace fuzz_audit
#
# Prints one line per harness (executions, exec/s, coverage, corpus size before -> after) and
# writes the same table to build-fuzz/long/summary.md (docs/fuzzing.md records a reference run).
# Environment: ESIM_FUZZ_LONG_SECONDS, ESIM_FUZZ_JOBS (parallel libFuzzer workers per harness,
# default 1), ESIM_JOBS (build jobs). Exit status: 0 all clean, 1 a harness found a bug.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
secs=${ESIM_FUZZ_LONG_SECONDS:-300}
workers=${ESIM_FUZZ_JOBS:-1}
jobs=${ESIM_JOBS:-$(nproc)}
build=$src/build-fuzz

CC=clang cmake -S . -B "$build" -DESIM_FUZZ=ON -DESIM_BUILD_PLUGIN=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || { echo "FAIL: configure (clang installed?)"; exit 1; }
cmake --build "$build" -j"$jobs" >/dev/null || { echo "FAIL: build"; exit 1; }

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  harnesses=()
  for f in tests/fuzz/fuzz_*.c; do harnesses+=("$(basename "$f" .c)"); done
fi

out=$build/long
mkdir -p "$out"
summary=$out/summary.md
{
  echo "| harness | seconds | executions | exec/s | coverage (edges) | corpus in repo |"
  echo "|---|---|---|---|---|---|"
} >"$summary"
failed=0
for h in "${harnesses[@]}"; do
  bin=$build/tests/fuzz/$h
  [ -x "$bin" ] || { echo "FAIL: $h not built"; failed=1; continue; }
  keep=$src/tests/fuzz/corpus/$h
  work=$out/$h.corpus
  art=$out/$h.artifacts/
  rm -rf "$work" "$art"
  mkdir -p "$keep" "$work" "$art"
  cp -r "$keep"/. "$work"/
  # the sample captures seed the capture harnesses read-only (second corpus folder): new inputs
  # are written to the first one only, so samples never end up copied into the repo corpus
  seeds=()
  if [ "$h" = fuzz_trace ] || [ "$h" = fuzz_capture ]; then
    seeds=("$out/$h.samples")
    rm -rf "${seeds[0]}"
    mkdir -p "${seeds[0]}"
    cp samples/*.pcap samples/*.pcapng "${seeds[0]}"/
  fi
  before=$(find "$keep" -type f | wc -l)
  log=$out/$h.log
  args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$art")
  if [ "$workers" -gt 1 ]; then
    args+=(-fork="$workers" -ignore_crashes=0)
  fi
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bin" "${args[@]}" "$work" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)
  rate=$(awk '/stat::average_exec_per_sec/ { print $NF }' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
  if [ $rc != 0 ] || ls "$art" | grep -q .; then
    echo "FAIL: $h (exit $rc): reproducer in $art, log $log"
    grep -m1 -A20 "ERROR: \|runtime error:\|==ERROR\|deadly signal" "$log" | head -25
    failed=1
    continue
  fi
  # keep what adds coverage (small inputs only) in the repository corpus: edges, not hit-count
  # buckets (-use_counters=0), so the kept corpus stays a few hundred files
  small=$out/$h.small
  rm -rf "$small"
  mkdir -p "$small"
  find "$work" -type f -size -65k -exec cp -t "$small" {} +
  "$bin" -merge=1 -use_counters=0 "$keep" "$small" >"$out/$h.merge.log" 2>&1 \
    || { echo "FAIL: $h: merge (see $out/$h.merge.log)"; failed=1; continue; }
  after=$(find "$keep" -type f | wc -l)
  line="| $h | $secs | ${execs:-?} | ${rate:-?} | ${cov:-?} | $before -> $after files |"
  echo "$line" >>"$summary"
  echo "ok: $h: ${execs:-?} executions (${rate:-?}/s), coverage ${cov:-?}, corpus $before -> $after"
done
echo "summary: $summary"
cat "$summary"
exit $failed
