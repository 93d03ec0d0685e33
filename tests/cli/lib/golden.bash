# Golden outputs of the CLI (sourced by tests/cli/golden.sh, which scripts/regen-golden.sh runs
# with ESIM_GOLDEN_REGEN=1). What is normalised and why: tests/golden/README.md.

# golden_run OUT SAMPLES CMD...: CMD's standard output to OUT, its standard error to OUT.stderr
# (only when it wrote something), its exit status appended to the folder's cli-exit.txt; the
# samples folder's path (it differs between checkouts) becomes "samples".
golden_run() {
    local out=$1 samples=$2 rc; shift 2
    "$@" >"$out.raw" 2>"$out.err"
    rc=$?
    sed "s|$samples/|samples/|g; s|$samples|samples|g" "$out.raw" >"$out"
    if [ -s "$out.err" ]; then
        sed "s|$samples/|samples/|g; s|$samples|samples|g" "$out.err" >"$out.stderr"
    fi
    rm -f "$out.raw" "$out.err"
    echo "$(basename "$out") $rc" >>"$(dirname "$out")/cli-exit.txt"
}

# golden_cli ESIMSCOPE SAMPLES OUT: for every capture of SAMPLES, OUT/<capture name>/ gets
# trace.txt (esimscope trace, with --keylog SAMPLES/<name>.keylog when it exists), trace.jsonl
# (the same with --json), apdus.txt (esimscope apdus) and cli-exit.txt (their exit statuses).
golden_cli() {
    local e=$1 samples=$2 out=$3 f name d
    local -a kl
    for f in "$samples"/*.pcap "$samples"/*.pcapng; do
        [ -f "$f" ] || continue
        name=$(basename "${f%.*}")
        d=$out/$name
        mkdir -p "$d"
        rm -f "$d/cli-exit.txt"
        kl=()
        [ -f "${f%.*}.keylog" ] && kl=(--keylog "${f%.*}.keylog")
        [ -f "${f%.*}.sslkeylog" ] && kl+=(--tls-keylog "${f%.*}.sslkeylog")
        golden_run "$d/trace.txt" "$samples" "$e" trace --no-progress "${kl[@]}" "$f"
        golden_run "$d/trace.jsonl" "$samples" "$e" trace --json --no-progress "${kl[@]}" "$f"
        golden_run "$d/apdus.txt" "$samples" "$e" apdus "$f"
    done
}

# golden_cli_logs ESIMSCOPE SAMPLES OUT: for every phone/LPA log of SAMPLES/logs, OUT/<log>/ gets
# trace.txt (with the key log of the capture it was made from, and the day of the samples for
# QXDM's dateless times), apdus.txt and cli-exit.txt.
golden_cli_logs() {
    local e=$1 samples=$2 out=$3 f name d base kl
    for f in "$samples"/logs/*; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        d=$out/$name
        mkdir -p "$d"
        rm -f "$d/cli-exit.txt"
        base=${name%%.*}
        kl=$samples/$base.keylog
        [ "$base" = happy ] && kl=$samples/happy_http.keylog
        golden_run "$d/trace.txt" "$samples" "$e" trace --no-progress --date 2026-03-02 \
            --keylog "$kl" "$f"
        golden_run "$d/apdus.txt" "$samples" "$e" apdus --date 2026-03-02 "$f"
    done
}

# golden_cli_files: the file names golden_cli writes per capture (stderr files aside).
golden_cli_files="trace.txt trace.jsonl apdus.txt cli-exit.txt"
