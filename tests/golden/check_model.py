#!/usr/bin/env python3
"""Golden test of the MODEL: run gcsim on every tests/golden/NAME.gcs under the
policy preset of every recorded interpreter version, turn its jsonl trace into
the probes' normalized log (see README.md) and diff it against
expected/NAME.VERSION.txt.

    check_model.py --gcsim PATH [--golden DIR] [-v]

Prints `ok NAME VERSION` or `FAIL NAME VERSION` plus a unified diff (expected
file first, model second) for every pair, then `N passed, M failed`.
Exit status 0 iff nothing failed, 2 on bad usage.  Python 3 stdlib only; the
probes are read (for where they observe alive/freed), never run: running them
is check_live.sh's job.

Conversion rules (model event -> probe line):
  finalize X                    -> finalize X
  callback W C                  -> callback W C
  gc_start G                    -> gc_start G
  gc_end G collected/uncoll.    -> gc_end G collected=N uncollectable=M
  collect_result G N (nested?)  -> collect G -> N
  garbage X                     -> garbage X, moved from before gc_end to just
                                   before the `collect G -> N` line of the same
                                   collection (the probe reads gc.garbage after
                                   gc.collect() returns).  Garbage found by an
                                   automatic collection (no collect_result) is
                                   dropped: the probe never reads it.
  `exit` statement's events     -> dropped (probes end with os._exit(0)).
  everything else               -> nothing
Probe-only `alive X`/`freed X`: probes/NAME.py calls observe(...) between
statements; every top-level call of the probe other than observe()/finish()
renders one scenario statement, in order, so observe() after k such calls
follows step k.  X is `freed` if the model emitted `dealloc X` at a step <= k,
else `alive`, printed in observe()'s argument order after everything step k
printed.
"""
import argparse
import ast
import difflib
import glob
import json
import os
import re
import subprocess
import sys

# recorded version (major.minor) -> gcsim policy preset
POLICY = {
    '3.6': 'cpython-3.6',
    '3.7': 'cpython-3.7',
    '3.8': 'cpython-3.8',
    '3.9': 'cpython-3.9',
    '3.10': 'cpython-3.9',
    '3.11': 'cpython-3.11',
    '3.12': 'cpython-3.12',
    '3.13': 'cpython-3.13',
}

EXPECTED_RE = re.compile(r'^(?P<name>.+?)\.(?P<version>\d+\.\d+(?:\.\d+)?)\.txt$')
TIMEOUT = 60


class HarnessError(Exception):
    pass


def policy_for(version):
    mm = '.'.join(version.split('.')[:2])
    return POLICY.get(mm)


def scenario_statements(gcs_path):
    """The scenario's statements, step = index + 1 (non-blank, non-comment lines)."""
    stmts = []
    with open(gcs_path) as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith('#'):
                continue
            stmts.append(s)
    return stmts


def probe_observations(probe_path, nstmts):
    """{step: [[name, ...], ...]}: the observe() calls of the probe, keyed by
    the step of the statement they follow."""
    if not os.path.isfile(probe_path):
        raise HarnessError('no probe %s' % probe_path)
    with open(probe_path) as f:
        tree = ast.parse(f.read(), probe_path)
    obs = {}
    step = 0
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)):
            continue
        fn = node.value.func.id
        if fn == 'finish':
            continue
        if fn == 'observe':
            try:
                names = [ast.literal_eval(a) for a in node.value.args]
            except ValueError:
                raise HarnessError('%s: observe() arguments are not literals'
                                   % probe_path)
            obs.setdefault(step, []).append(names)
        else:
            step += 1
    if step != nstmts:
        raise HarnessError('%s renders %d statements, the scenario has %d'
                           % (probe_path, step, nstmts))
    return obs


def run_gcsim(gcsim, gcs_path, policy, trace='jsonl'):
    try:
        p = subprocess.run([gcsim, 'run', gcs_path, '--policy', policy,
                            '--trace', trace],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise HarnessError('gcsim timed out after %ds' % TIMEOUT)
    except OSError as e:
        raise HarnessError('cannot run %s: %s' % (gcsim, e))
    return p.returncode, p.stdout, p.stderr


def parse_jsonl(text):
    events, result = [], None
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise HarnessError('gcsim output line %d is not JSON: %r' % (i, line))
        if 'result' in obj and 'ev' not in obj and 'op' not in obj:
            result = obj
        else:
            events.append(obj)
    if result is None:
        raise HarnessError('gcsim printed no final result line')
    return events, result


def convert(events, stmts, observations, complete=True):
    """The model's events as the probe's normalized log lines.  If the run
    stopped early (violation), no observation follows its last step."""
    out = []
    deallocated = {}          # name -> step of its dealloc event
    frames = []               # open collections: lists of pending garbage names
    ended = None              # (gen, garbage) of a collection that just ended
    cur = 0                   # step of the events being read
    observed = 0              # observations done for steps 1..observed

    def observe_through(step):
        # the observations that follow statements observed+1 .. step
        nonlocal observed
        while observed < step:
            observed += 1
            for names in observations.get(observed, ()):
                for n in names:
                    out.append(('freed ' if n in deallocated else 'alive ') + n)

    for e in events:
        step = e.get('step', cur)
        if step > cur:
            observe_through(step - 1)
            cur = step
            ended = None
        if 'op' in e:
            continue
        if 1 <= step <= len(stmts) and stmts[step - 1].split()[0] == 'exit':
            continue          # interpreter shutdown: the probes never see it
        ev = e.get('ev')
        if ev == 'dealloc':
            deallocated.setdefault(e['obj'], step)
            continue
        if ev == 'collect_result':
            if ended is not None and ended[0] == e['gen']:
                out.extend('garbage ' + n for n in ended[1])
            out.append('collect %d -> %d' % (e['gen'], e['result']))
            ended = None
            continue
        if ev in ('finalize', 'callback', 'gc_start'):
            ended = None      # something ran after that collection's gc_end
        if ev == 'finalize':
            out.append('finalize ' + e['obj'])
        elif ev == 'callback':
            out.append('callback %s %s' % (e['weakref'], e['callback']))
        elif ev == 'gc_start':
            out.append('gc_start %d' % e['gen'])
            frames.append([])
        elif ev == 'gc_end':
            out.append('gc_end %d collected=%d uncollectable=%d'
                       % (e['gen'], e['collected'], e['uncollectable']))
            garbage = frames.pop() if frames else []
            ended = (e['gen'], garbage)
        elif ev == 'garbage':
            if frames:
                frames[-1].append(e['obj'])
            else:             # not inside a gc_start/gc_end pair: leave in place
                out.append('garbage ' + e['obj'])
    observe_through(len(stmts) if complete else cur - 1)
    return out


def check_one(args, name, version, gcs_path, exp_path):
    """Returns (passed, report lines)."""
    policy = policy_for(version)
    if policy is None:
        return False, ['  no gcsim policy preset for version %s' % version]
    with open(exp_path) as f:
        expected = f.read().splitlines()
    stmts = scenario_statements(gcs_path)
    observations = probe_observations(
        os.path.join(args.golden, 'probes', name + '.py'), len(stmts))
    rc, stdout, stderr = run_gcsim(args.gcsim, gcs_path, policy)
    notes = []
    stopped = False
    if rc not in (0, 1):
        raise HarnessError('gcsim --policy %s exited %d: %s'
                           % (policy, rc, stderr.strip()))
    events, result = parse_jsonl(stdout)
    if rc == 1 or result.get('result') != 'clean':
        stopped = True
        viol = [e for e in events if e.get('ev') == 'violation']
        notes.append('  model run stopped: result=%s %s'
                     % (result.get('result'),
                        json.dumps(viol[-1]) if viol else ''))
    got = convert(events, stmts, observations, complete=not stopped)
    if args.verbose:
        notes.insert(0, '  $ %s run %s --policy %s --trace jsonl'
                     % (args.gcsim, gcs_path, policy))
    if got == expected and not stopped:
        return True, notes
    diff = list(difflib.unified_diff(
        expected, got, 'expected/%s.%s.txt' % (name, version),
        'gcsim --policy %s' % policy, lineterm=''))
    lines = notes + diff
    if args.verbose:
        _, text, _ = run_gcsim(args.gcsim, gcs_path, policy, 'text')
        lines.append('  model trace (--trace text):')
        lines.extend('    ' + l for l in text.splitlines())
    return False, lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--gcsim', required=True, help='path of the gcsim binary')
    ap.add_argument('--golden', default=os.path.dirname(os.path.abspath(__file__)),
                    help='the golden directory (default: this script\'s)')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args(argv)
    if not os.access(args.gcsim, os.X_OK):
        ap.error('gcsim not executable: %s' % args.gcsim)
    expdir = os.path.join(args.golden, 'expected')
    scenarios = {os.path.basename(p)[:-4]: p
                 for p in glob.glob(os.path.join(args.golden, '*.gcs'))}
    if not scenarios:
        ap.error('no *.gcs in %s' % args.golden)

    cases, orphans = [], []
    for path in sorted(glob.glob(os.path.join(expdir, '*.txt'))):
        m = EXPECTED_RE.match(os.path.basename(path))
        if m and m.group('name') in scenarios:
            cases.append((m.group('name'), m.group('version'), path))
        else:
            orphans.append(os.path.basename(path))
    vkey = lambda v: tuple(int(x) for x in v.split('.'))
    cases.sort(key=lambda c: (c[0], vkey(c[1])))

    passed = failed = 0
    for bad in orphans:
        print('FAIL %s: no scenario for this expected file' % bad)
        failed += 1
    for name in sorted(set(scenarios) - {c[0] for c in cases}):
        print('FAIL %s: no expected/%s.VERSION.txt' % (name, name))
        failed += 1
    for name, version, exp_path in cases:
        with open(exp_path) as f:
            if f.read().strip() == 'skip':
                print('skip %s %s (the probe could not run there)' % (name, version))
                continue
        try:
            ok, lines = check_one(args, name, version, scenarios[name], exp_path)
        except (HarnessError, OSError, KeyError, TypeError) as e:
            ok, lines = False, ['  harness error: %s' % e]
        print('%s %s %s' % ('ok' if ok else 'FAIL', name, version))
        for l in lines:
            print(l)
        if ok:
            passed += 1
        else:
            failed += 1
        sys.stdout.flush()
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
