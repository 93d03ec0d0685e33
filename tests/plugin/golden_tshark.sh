# Golden outputs of the plugin (sourced after lib.sh by tests/plugin/t_golden.sh, which
# scripts/regen-golden.sh runs with ESIM_GOLDEN_REGEN=1). What is normalised: tests/golden/README.md.

# golden_prefs CAPTURE: the preferences the plugin tests use for a sample: its eSIM key log
# (esim.keylog_file) and, for TLS, its SSLKEYLOGFILE (tls.keylog_file), when the files exist.
golden_prefs() {
    b=${1%.*}
    [ -f "$b.keylog" ] && printf -- '-o\nesim.keylog_file:%s\n' "$b.keylog"
    [ -f "$b.sslkeylog" ] && printf -- '-o\ntls.keylog_file:%s\n' "$b.sslkeylog"
    return 0
}

# Wireshark shows X.509 times (GeneralizedTime) in the local time zone: the golden files are
# written in UTC, whatever the machine's zone, and in one locale.
TZ=UTC
LC_ALL=C.UTF-8
export TZ LC_ALL

# golden_norm: the scratch folder of the run ($T, a fresh mktemp name) becomes @TMP@.
golden_norm() { sed "s|$S/|samples/|g; s|$T|@TMP@|g"; }

# golden_tshark OUT: for every capture of $S, OUT/<capture name>/ gets tshark-V.txt (the eSIM
# frames, -Y esim, with the eSIM tree in full: -O esim) and tshark-sessions.txt (-z esim,sessions),
# both two-pass (-2) as the plugin tests run tshark.
golden_tshark() {
    out=$1
    for f in "$S"/*.pcap "$S"/*.pcapng; do
        [ -f "$f" ] || continue
        name=$(basename "${f%.*}")
        mkdir -p "$out/$name"
        # one preference argument per line: the paths hold no newline
        IFS='
'
        set -- $(golden_prefs "$f")
        unset IFS
        ts -2 -r "$f" "$@" -Y esim -O esim | golden_norm >"$out/$name/tshark-V.txt"
        ts -2 -q -r "$f" "$@" -z esim,sessions | golden_norm >"$out/$name/tshark-sessions.txt"
    done
}
