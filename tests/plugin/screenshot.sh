#!/bin/sh
# Renders docs/plugin-screenshot.png: Wireshark 4.0 (Qt) with the plugin, a sample open and the
# eSIM tree of a LoadBoundProfilePackage response expanded, on a virtual X server.
# Needs wireshark-qt, xvfb, xauth, x11-apps (xwd), netpbm, xdotool. Usage:
#   tests/plugin/screenshot.sh build-plugin/plugin/4.0/epan/esim.so [OUT.png]
set -eu
so=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${2:-$src/docs/plugin-screenshot.png}
T=$(mktemp -d /tmp/esim-shot.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/plugins/4.0/epan" "$T/home/.config/wireshark"
cp "$so" "$T/plugins/4.0/epan/"
cp "$src/samples/happy_simtrace_gsmtap.pcap" "$T/"
cat >"$T/home/.config/wireshark/recent_common" <<'R'
gui.geom.main.x: 0
gui.geom.main.y: 0
gui.geom.main.width: 1400
gui.geom.main.height: 1000
gui.geom.main.maximized: FALSE
R
cat >"$T/home/.config/wireshark/recent" <<'R'
gui.geom.main_pane_left: 330
gui.geom.main_pane_right: 950
R
chmod -R a+rwX "$T"
frame=42   # the ProfileInstallationResult (LoadBoundProfilePackage response)
as() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
as env HOME="$T/home" WIRESHARK_PLUGIN_DIR="$T/plugins" xvfb-run -a -s "-screen 0 1400x1000x24" sh -c "
  wireshark -r '$T/happy_simtrace_gsmtap.pcap' -Y esim -g $frame >/dev/null 2>&1 &
  sleep 12
  w=\$(xdotool search --onlyvisible --name 'happy_simtrace' | head -1)
  xdotool windowmove \$w 0 0 windowsize \$w 1400 1000; sleep 3
  # focus the packet details pane (an empty spot of it), select its last line (eSIM RSP) and
  # expand its subtrees
  xdotool mousemove 150 900 click 1; sleep 1
  xdotool key End; sleep 0.5; xdotool key shift+Right; sleep 2
  xwd -root -silent > '$T/shot.xwd'
  kill %1 2>/dev/null || true"
xwdtopnm "$T/shot.xwd" 2>/dev/null | pnmtopng >"$out"
echo "wrote $out"
