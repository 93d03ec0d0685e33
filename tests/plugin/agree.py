"""Agreement of the two faces on one capture (tests/plugin/t_agree.sh): esimscope's
`trace --json` against tshark with the plugin (-z esim,sessions and per-frame fields).

Compares what each face printed, nothing more: the sessions (transactionId, verdict, failing
frame, side, step and code, EID, ICCID) and, frame by frame, the ES10 functions (and ES9+/ES11
functions) each face reports. It does not decide what is right: a disagreement is printed with
both values, and the exit status is 1 when there is any.

usage: agree.py NAME CLI.jsonl TSHARK-SESSIONS.txt TSHARK-FIELDS.tsv
TSHARK-FIELDS.tsv: tshark -T fields -E occurrence=a -E aggregator=';' -e frame.number
  -e esim.es10.command -e esim.es10.direction -e esim.es9p.function (one line per frame)
"""
import difflib
import json
import re
import sys


def cli_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def cli_sessions(events):
    out = []
    for e in events:
        if e.get('event') != 'session':
            continue
        fail = e.get('failure') or {}
        out.append({
            'transactionId': (e.get('transaction_id') or '').upper(),
            'verdict': e.get('verdict'),
            'EID': e.get('eid'),
            'ICCID': e.get('iccid'),
            'failure frame': fail.get('frame'),
            'failure side': fail.get('side'),
            'failure step': fail.get('step'),
            'failure code': fail.get('code'),
        })
    return out


SESSION_RE = re.compile(r'^session (\d+)\s+transactionId (\S*)\s+verdict (\S+)')
FAIL_RE = re.compile(r'^\s+failure at frame (\d+) \(([^,]*), ([^)]*)\): (.*)$')


def tap_sessions(path):
    """The sessions of tshark's -z esim,sessions text (packet-esim-tap.c's sessions_draw)."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            m = SESSION_RE.match(line)
            if m:
                out.append({'transactionId': m.group(2).upper(), 'verdict': m.group(3), 'EID': None,
                            'ICCID': None, 'failure frame': None, 'failure side': None,
                            'failure step': None, 'failure code': None})
                continue
            if not out:
                continue
            m = FAIL_RE.match(line)
            if m:
                out[-1].update({'failure frame': int(m.group(1)), 'failure side': m.group(2),
                                'failure step': m.group(3), 'failure code': m.group(4)})
                continue
            m = re.match(r'^\s+(EID|ICCID) (\S+)$', line)
            if m:
                out[-1][m.group(1)] = m.group(2)
    return out


def code_agrees(cli, tap):
    """The tap prints "<code> <explanation>" on one line: the CLI's code must open it."""
    if cli is None or tap is None:
        return cli == tap
    return tap == cli or tap.startswith(cli + ' ')


def compare_sessions(cli, tap, say):
    by_tid = {}
    for s in tap:
        by_tid.setdefault(s['transactionId'], []).append(s)
    for c in cli:
        cands = by_tid.get(c['transactionId'])
        if not cands:
            say('session %s: esimscope has it (verdict %s), the plugin does not'
                % (c['transactionId'] or '(no transactionId)', c['verdict']))
            continue
        t = cands.pop(0)
        for k in ('verdict', 'EID', 'ICCID', 'failure frame', 'failure side', 'failure step',
                  'failure code'):
            same = code_agrees(c[k], t[k]) if k == 'failure code' else c[k] == t[k]
            if not same:
                say('session %s: %s: esimscope %s, plugin %s'
                    % (c['transactionId'], k, show(c[k]), show(t[k])))
    for tid, rest in by_tid.items():
        for t in rest:
            say('session %s: the plugin has it (verdict %s), esimscope does not'
                % (tid or '(no transactionId)', t['verdict']))


def show(v):
    return '(none)' if v is None or v == '' else repr(v) if isinstance(v, str) and ' ' in v else str(v)


def tshark_frames(path):
    """[(frame, es10 entries [(function, direction)], es9p functions)] from the fields file."""
    out = []
    with open(path) as f:
        for line in f:
            cols = line.rstrip('\n').split('\t')
            cols += [''] * (4 - len(cols))
            split = lambda s: [x for x in s.split(';') if x] if s else []
            fns, dirs = split(cols[1]), split(cols[2])
            dirs += [''] * (len(fns) - len(dirs))
            out.append((int(cols[0]), list(zip(fns, dirs)), split(cols[3])))
    return out


def compare_sequence(what, cli, tap, say):
    """cli, tap: [(frame, function)] in frame order. Aligns the two by function (a function
    one face lacks is reported as such), then compares the frames of the aligned pairs."""
    sm = difflib.SequenceMatcher(a=[f for _, f in cli], b=[f for _, f in tap], autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == 'equal':
            for (cf, fn), (tf, _) in zip(cli[a0:a1], tap[b0:b1]):
                if cf != tf:
                    say('%s %s: esimscope frame %d, plugin frame %d' % (what, fn, cf, tf))
            continue
        for cf, fn in cli[a0:a1]:
            say('%s %s at frame %d: esimscope only' % (what, fn, cf))
        for tf, fn in tap[b0:b1]:
            say('%s %s at frame %d: plugin only' % (what, fn, tf))


def main():
    name, cli_path, sessions_path, fields_path = sys.argv[1:5]
    events = cli_events(cli_path)
    frames = tshark_frames(fields_path)
    problems = []
    say = problems.append

    cli_s, tap_s = cli_sessions(events), tap_sessions(sessions_path)
    compare_sessions(cli_s, tap_s, say)

    # ES10: each esimscope es10 event is one command, reported at one frame ("frame"; a
    # "response_frame" too once the CLI gives one); the plugin's commands and responses are the
    # frames where esim.es10.direction says so.
    cli_cmd = [(e['frame'], e['function']) for e in events if e.get('event') == 'es10']
    tap_cmd = [(fr, fn) for fr, es10, _ in frames for fn, d in es10 if d == 'command']
    compare_sequence('ES10 command', cli_cmd, tap_cmd, say)
    cli_rsp = [(e['response_frame'], e['function']) for e in events
               if e.get('event') == 'es10' and 'response_frame' in e]
    if cli_rsp:
        tap_rsp = [(fr, fn) for fr, es10, _ in frames for fn, d in es10 if d == 'response']
        compare_sequence('ES10 response', cli_rsp, tap_rsp, say)
    # ES9+/ES11: each esimscope es9p event is one HTTP request or response
    cli_http = [(e['frame'], e['function']) for e in events if e.get('event') == 'es9p']
    tap_http = [(fr, fn) for fr, _, es9p in frames for fn in es9p]
    compare_sequence('ES9+/ES11', cli_http, tap_http, say)

    counts = '%d/%d sessions, %d/%d ES10 commands, %d/%d ES9+/ES11 messages (esimscope/plugin)' % (
        len(cli_s), len(tap_s), len(cli_cmd), len(tap_cmd), len(cli_http), len(tap_http))
    if not problems:
        print('agree: %s: %s' % (name, counts))
        return 0
    print('DISAGREE: %s: %d difference(s); %s' % (name, len(problems), counts))
    for p in problems:
        print('    ' + p)
    return 1


if __name__ == '__main__':
    sys.exit(main())
