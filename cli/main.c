/*
** main.c — the gcsim command: its usage text and the dispatch to one
** function per command (cmd_*.c).
**
** Exit status: 0 clean, 1 violation, 2 bad usage or bad input (a
** "file:line: message" on stderr), 3 internal error.
*/
#include <stdio.h>
#include <string.h>

#include "gcsim/harness.h" /* HARNESS_DEFAULT_POLICY */
#include "cli.h"

static const char usage[] =
    "usage: gcsim <command> [options]\n"
    "\n"
    "gcsim simulates CPython's memory runtime (refcounting, the cyclic\n"
    "collector, weakrefs, finalizers) deterministically, and stops a run at\n"
    "the first violation: user code touching an object gc tp_clear'ed\n"
    "(bpo-38006), use after free, and the other kinds of design.md.\n"
    "\n"
    "commands:\n"
    "  run FILE [--policy P] [--trace text|jsonl] [--audit|--no-check]\n"
    "           [--bytes|--scenario] [PICTURES]\n"
    "        run a .gcs scenario or a fuzz input; print its trace and\n"
    "        fingerprint\n"
    "  replay CRASH [--policy P] [--suppressions F] [--trace text|jsonl]\n"
    "           [PICTURES]\n"
    "        run a saved fuzz input (libFuzzer or AFL++) exactly as the\n"
    "        fuzzer did: the decoded scenario, the trace, the violation, its\n"
    "        roles, fingerprint and signature\n"
    "  minimize IN [-o OUT] [--policy P] [--bytes|--scenario] [PICTURES]\n"
    "        the smallest scenario with the same violation (kind and roles);\n"
    "        PICTURES draw the minimized scenario's run\n"
    "  confirm FILE [--python PY] [--probe c|python] [--policy P]\n"
    "           [--bytes|--scenario]\n"
    "        run FILE in a real interpreter (default python3) and in the\n"
    "        model under that version's preset; say whether they agree and\n"
    "        where their event streams first differ (exit 0 agree, 1 differ)\n"
    "  differential [--python PY]... [--probe c|python] [--programs N]\n"
    "               [--mutants N --seeds DIR] [-j J] [--save DIR] [-v]\n"
    "               [FILE...]\n"
    "        the agreement table: the FILEs (scenarios, or fuzz inputs such\n"
    "        as crash files), N generated programs (default 1000, fixed\n"
    "        seeds) and N mutants of the fuzz inputs in DIR, model against\n"
    "        every interpreter (default: every pyenv 3.x); --save writes the\n"
    "        programs that differ\n"
    "  explore --policy P [BOUNDS] [-j N] [--shard I/N] [--budget S]\n"
    "          [--suppressions F] [-o DIR] [--cert FILE] [-q]\n"
    "          [--scripts run|text] [--max-states N]\n"
    "        every program of the shape within BOUNDS (docs/explore.md):\n"
    "        each violation group with its smallest program, then a\n"
    "        certificate of what was explored (exit 0 clean, 1 findings)\n"
    "  explore --combine CERT...\n"
    "        the certificates of shards 0..N-1 as one\n"
    "  diff P1 P2 [BOUNDS] [-j N] [--shard I/N] [--budget S] [-o DIR]\n"
    "          [--cert FILE] [-q]\n"
    "        the smallest programs whose event streams differ between two\n"
    "        policies, grouped by the first differing events, both traces\n"
    "        side by side (exit 0 none, 1 differences)\n"
    "  encode IN.gcs [-o OUT]     a scenario as fuzz bytes\n"
    "  decode IN [-o OUT.gcs]     fuzz bytes as a scenario\n"
    "  policies\n"
    "        list the policy presets with every knob\n"
    "  help  this text\n"
    "\n"
    "options:\n"
    "  --policy P    a preset, optionally with knob overrides:\n"
    "                cpython-3.9,threshold0=100. run and minimize of a\n"
    "                scenario: default its `policy` line, else $GCSIM_POLICY,\n"
    "                else " HARNESS_DEFAULT_POLICY ". Fuzz inputs (replay,\n"
    "                and run/minimize of bytes): $GCSIM_POLICY, else\n"
    "                " HARNESS_DEFAULT_POLICY ", as the fuzz targets do\n"
    "  --trace T     text (default) or jsonl (one event per line)\n"
    "  --audit       audit the model's bookkeeping after every statement\n"
    "                and script action (default: as often as costs about\n"
    "                what the run does, and at the end)\n"
    "  --no-check    no audit of the model's bookkeeping at all (the\n"
    "                violation checks run in every mode)\n"
    "  --bytes, --scenario\n"
    "                how to read FILE; by default a name ending in .gcs, or\n"
    "                text without control characters, is a scenario\n"
    "  --python PY   a path (python3, ~/.pyenv/versions/3.9.18/bin/python3),\n"
    "                or pyodide:3.14, pyodide:3.15 (CPython compiled to\n"
    "                WebAssembly, run by node; scripts/install-deps.sh\n"
    "                installs both), or pyodide:NPM_VERSION\n"
    "  --probe c|python\n"
    "                the C extension (native interpreters: the default) or\n"
    "                the pure-Python probe (3.8+; the only one under pyodide)\n"
    "  --suppressions F\n"
    "                known findings (default $GCSIM_SUPPRESSIONS)\n"
    "\n"
    "BOUNDS (explore, diff; defaults in brackets):\n"
    "  --objects N [3] --weakrefs N [1] --links N [3] --slots N [2]\n"
    "  --actions N [0] --path-steps N [1] --collects N [1] --untracks N [0]\n"
    "  --stmts N [0: none]   statements in all, exit included\n"
    "  --kinds LIST [object,noclear,function,opaque,leaf]\n"
    "  --flags LIST [fin]    of fin,legacy\n"
    "  --acts LIST [all]     of touch,call,keep,link,unlink,drop,weakref,\n"
    "                        get_objects,collect\n"
    "  --roots LIST [self,arg,names]   where script paths start\n"
    "  --gens LIST [2]       generations `collect` may name\n"
    "  --thresholds LIST [none]   threshold T0 values a program may start with\n"
    "  -j N [1]  threads; --shard I/N  the I-th of N parts (certificates\n"
    "  combine); --budget S [600]  refuse bounds a pilot estimates to take\n"
    "  longer (0: no limit); LIST may be `none`; --scripts run (default:\n"
    "  a script's actions chosen as it runs, one per kind of effect) or\n"
    "  text (every action text); --max-states N [16777216] per skeleton.\n"
    "  A search the budget or --max-states stops prints what it found,\n"
    "  marked `== partial`, and no certificate.\n"
    "\n"
    "PICTURES (any of them, written after the run):\n"
    "  --dot F       the object graph at the violation, or at the end, as\n"
    "                Graphviz DOT: objects by kind, references in slot order,\n"
    "                weakrefs dashed, names as roots, the collection's\n"
    "                unreachable set as a cluster, tp_clear'ed and freed\n"
    "                objects marked, the violation's chain in red, what the\n"
    "                statement released in grey\n"
    "  --svg F       the same graph drawn as SVG by Graphviz's dot; without\n"
    "                dot on PATH gcsim stops before running, exit 2\n"
    "                (apt-get install graphviz)\n"
    "  --timeline F  one self-contained HTML page: the scenario, the events\n"
    "                step by step, the graph at each collection and at the\n"
    "                violation (without dot: the graphs as DOT text)\n"
    "  A picture that cannot be written: exit 2.\n"
    "\n"
    "exit status: 0 clean, 1 violation, 2 bad usage or input, 3 internal "
    "error\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    fputs(usage, stdout);
    return 0;
  }
  for (int i = 2; i < argc; i++) /* gcsim COMMAND --help */
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
  if (!strcmp(cmd, "policies")) return cmd_policies();
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
  if (!strcmp(cmd, "replay")) return cmd_replay(argc - 2, argv + 2);
  if (!strcmp(cmd, "minimize")) return cmd_minimize(argc - 2, argv + 2);
  if (!strcmp(cmd, "encode")) return cmd_encode(argc - 2, argv + 2);
  if (!strcmp(cmd, "decode")) return cmd_decode(argc - 2, argv + 2);
  if (!strcmp(cmd, "confirm")) return cmd_confirm(argc - 2, argv + 2);
  if (!strcmp(cmd, "explore")) return cmd_explore(argc - 2, argv + 2);
  if (!strcmp(cmd, "diff")) return cmd_diff(argc - 2, argv + 2);
  if (!strcmp(cmd, "differential"))
    return cmd_differential(argc - 2, argv + 2);
  return bad_usage("unknown command '%s'", cmd);
}
