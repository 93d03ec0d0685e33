# Shared by tests/plugin/t_*.sh (sourced). Runs the real tshark with the real plugin, as the
# unprivileged user `nobody`: Wireshark ignores WIRESHARK_PLUGIN_DIR when run as root
# (../shared/TOOLCHAIN.md). The plugin and the samples are copied into a fresh world-readable
# folder, which disappears when the test ends.
# Environment: ESIM_PLUGIN_SO (the built esim.so), ESIM_SOURCE_DIR (the checkout).
set -u
: "${ESIM_PLUGIN_SO:?path of the built esim.so}"
: "${ESIM_SOURCE_DIR:?path of the source tree}"
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }

T=$(mktemp -d /tmp/esim-plugin-test.XXXXXX)
# ESIM_KEEP_CAPTURES=DIR (scripts/test-plugin.sh sets it): the captures a test wrote into $S (not
# the committed samples) are kept there as <test>.<capture> when it ends, for t_agree.sh, which
# runs last and compares esimscope with the plugin on them too.
keep_captures() {
    [ -n "${ESIM_KEEP_CAPTURES:-}" ] && [ -d "$ESIM_KEEP_CAPTURES" ] || return 0
    for f in "$S"/*.pcap "$S"/*.pcapng; do
        [ -f "$f" ] || continue
        [ -f "$ESIM_SOURCE_DIR/samples/$(basename "$f")" ] && continue
        cp "$f" "$ESIM_KEEP_CAPTURES/$(basename "$0" .sh).$(basename "$f")"
    done
}
trap 'keep_captures; rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/plugins/4.0/epan" "$T/noplugins/4.0/epan" "$T/home" "$T/cap"
cp "$ESIM_PLUGIN_SO" "$T/plugins/4.0/epan/esim.so"
cp "$ESIM_SOURCE_DIR"/samples/*.pcap "$ESIM_SOURCE_DIR"/samples/*.pcapng \
   "$ESIM_SOURCE_DIR"/samples/*.keylog "$ESIM_SOURCE_DIR"/samples/*.sslkeylog "$T/cap/"
chmod -R a+rwX "$T"
chmod 755 "$T"
S=$T/cap

# as_nobody CMD...: runs CMD as nobody (root drops privileges; another user runs it as is).
as_nobody() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
            env HOME="$T/home" "$@"
    else
        env HOME="$T/home" "$@"
    fi
}
# ts ARGS...: tshark with the plugin; tsn ARGS...: tshark without it (empty plugin folder).
# With a sanitized plugin (scripts/test-plugin.sh --sanitize) ESIM_TSHARK_PRELOAD names the ASan
# runtime, which must be loaded before anything else in the uninstrumented tshark. tshark's extcap
# helpers (androiddump, ...) would inherit it and hang at exit (a locale lock in libp11-kit's
# destructor): an empty extcap folder keeps them out.
mkdir -p "$T/noextcap"
ts() {
    as_nobody env WIRESHARK_PLUGIN_DIR="$T/plugins" \
        ${ESIM_TSHARK_PRELOAD:+LD_PRELOAD=$ESIM_TSHARK_PRELOAD WIRESHARK_EXTCAP_DIR=$T/noextcap} \
        tshark "$@" 2>>"$T/stderr"
}
tsn() { as_nobody env WIRESHARK_PLUGIN_DIR="$T/noplugins" tshark "$@" 2>>"$T/stderr"; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
finish() {
    # a sanitizer report anywhere in tshark's stderr fails the test (they abort tshark too)
    if grep -q "ERROR: AddressSanitizer\|runtime error:\|ERROR: LeakSanitizer" "$T/stderr" 2>/dev/null; then
        fail "sanitizer report in tshark's stderr:"
        grep -m5 -A12 "ERROR: AddressSanitizer\|runtime error:" "$T/stderr"
    fi
    if [ "$fails" -gt 0 ]; then echo "$fails check(s) failed"; exit 1; fi
    exit 0
}

# The plugin must really be loaded, else every test below proves nothing.
require_plugin() {
    if ! ts -G plugins | grep -q "esim\.so"; then
        echo "FAIL: tshark did not load $T/plugins/4.0/epan/esim.so (tshark -G plugins):"
        ts -G plugins | head -5
        cat "$T/stderr"
        exit 1
    fi
    if tsn -G plugins | grep -q "esim\.so"; then
        echo "FAIL: the plugin also loads from elsewhere: the 'without plugin' runs are not clean"
        exit 1
    fi
}
# fields FILE FILTER FIELD...: tshark -T fields (two passes, so reassembly results are known
# on every frame), one line per matching frame.
fields() {
    f=$1; flt=$2; shift 2
    set -- $(for x in "$@"; do printf -- '-e %s ' "$x"; done)
    ts -2 -r "$S/$f" -Y "$flt" -T fields -E occurrence=a -E aggregator=, "$@"
}
# count FILE FILTER: number of frames matching.
count() { ts -2 -r "$S/$1" -Y "$2" | wc -l; }
# has LIST WORD: WORD is one of the newline/comma separated LIST.
has() { printf '%s\n' "$1" | tr ',' '\n' | grep -qx -- "$2"; }
# keylog_tid FILE: the TransactionID of the sample's key log (SESSION_KEYS line), upper case.
keylog_tid() { awk '$1 == "SESSION_KEYS" { print toupper($2); exit }' "$S/$1"; }
