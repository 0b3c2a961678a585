#!/usr/bin/env bash
# scripts/fuzz-farm.sh — fuzz one policy with N workers on this machine for
# a while, then merge and minimize the corpus and report what was found,
# deduplicated by crash signature. `scripts/fuzz-farm.sh --help` says how.
set -euo pipefail
source "$(dirname "$0")/../bench/fuzzlib.sh" # root, fuzz_build, crash_table

usage() {
  cat <<EOF
usage: scripts/fuzz-farm.sh [OPTIONS]

Runs N fuzzing workers of one policy on this machine for T minutes, prints
a one-line summary across workers every few seconds, then merges and
minimizes the corpus and prints the coverage growth and the crashes found,
deduplicated by signature (gcsim replay) and marked known or new
(corpus/known-findings.supp).

  -e, --engine E        libfuzzer: one gcsim-fuzz -fork=N (default)
                        afl: afl-fuzz -M main plus N-1 -S secondaries, the
                        first secondary with CmpLog (gcsim-afl-cmplog)
  -j, --workers N       worker processes (default: $(nproc 2>/dev/null || echo 2), the cores here)
  -t, --minutes T       how long to fuzz (default 10)
      --seconds S       the same in seconds (short runs, tests)
  -p, --policy P        policy (default cpython-main)
  -o, --out DIR         work directory (default out/farm-ENGINE-POLICY);
                        a second run on the same directory resumes
  -c, --corpus DIR      input corpus, read only; repeatable
                        (default corpus/seeds)
  -F, --import DIR      afl: a foreign corpus (e.g. a libFuzzer corpus)
                        that the main instance imports with -F; repeatable
      --machine NAME    afl, many machines: this machine's instances are
                        NAME-s1 ... NAME-sN, all secondaries, syncing with
                        the one machine that runs main
                        (docs/continuous-fuzzing.md shows the rsync
                        commands that carry the queues across)
      --sync DIR        a corpus directory shared with other machines
                        (kept in step by rsync, see
                        docs/continuous-fuzzing.md): read as input, and
                        the minimized corpus is added to it
      --suppressions F  known findings (default corpus/known-findings.supp)
      --keep-known      the engines save known findings too (otherwise the
                        harness suppresses them and only new ones crash)
      --no-cmplog       afl: no CmpLog secondary
      --max-len N       longest input (default: corpus/gcsim-fuzz.options)
      --interval S      seconds between summary lines (default 5)
  -b, --build DIR       fuzz build directory (default build-fuzz, or
                        build-fuzz-asan with --sanitize)
      --sanitize        build and fuzz under ASan+UBSan
      --no-build        use the build directory as it is
  -h, --help            this text

Output, in the work directory: corpus/ (the live corpus), corpus-min/
(merged: libFuzzer -merge=1, or afl-cmin for afl, either engine reads it),
crashes/ and crashes.txt (one line per signature), progress.tsv (seconds,
executions, coverage, features, corpus, crashes every interval), logs/.
Summary lines look like
  farm 35s/600s libfuzzer x2 cpython-main: execs 661234 (18894/s) cov 2210 ft 3734 corpus 720 crashes 0
(afl: edges instead of cov/ft, and AFL++'s own exec rate; AFL++ writes its
statistics after its first minute, until then execs and edges print as
"-"). The engines may take a few seconds past T to wrap up; a minute past
it the farm stops them. Ctrl-C stops the workers early; merging and the
report still run.
Exit status: 0 when nothing new was found, 1 when a new finding (or a
crash that replays clean) is in crashes/, 2 on bad usage.
EOF
}

engine=libfuzzer workers=$(nproc 2>/dev/null || echo 2) secs=600 policy=cpython-main
out= build= build_it=1 sanitize=0 keep_known=0 cmplog=1 interval=5 sync= machine=
supp=$root/corpus/known-findings.supp
max_len=$(sed -n 's/^max_len *= *//p' "$root/corpus/gcsim-fuzz.options")
corpora=() imports=()
die() { echo "fuzz-farm: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] || die "$1 needs a value (--help)"; }
while [ $# -gt 0 ]; do
  case $1 in
    -e|--engine) need "$@"; engine=$2; shift ;;
    -j|--workers) need "$@"; workers=$2; shift ;;
    -t|--minutes) need "$@"; [[ $2 =~ ^[0-9]+$ ]] || die "--minutes: a number"; secs=$(($2 * 60)); shift ;;
    --seconds) need "$@"; secs=$2; shift ;;
    -p|--policy) need "$@"; policy=$2; shift ;;
    -o|--out) need "$@"; out=$2; shift ;;
    -c|--corpus) need "$@"; corpora+=("$2"); shift ;;
    -F|--import) need "$@"; imports+=("$2"); shift ;;
    --machine) need "$@"; machine=$2; shift ;;
    --sync) need "$@"; sync=$2; shift ;;
    --suppressions) need "$@"; supp=$2; shift ;;
    --keep-known) keep_known=1 ;;
    --no-cmplog) cmplog=0 ;;
    --max-len) need "$@"; max_len=$2; shift ;;
    --interval) need "$@"; interval=$2; shift ;;
    -b|--build) need "$@"; build=$2; shift ;;
    --sanitize) sanitize=1 ;;
    --no-build) build_it=0 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help)" ;;
  esac
  shift
done
case $engine in libfuzzer|afl) ;; *) die "--engine: libfuzzer or afl, not '$engine'" ;; esac
for v in workers secs max_len interval; do
  [[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -gt 0 ] || die "--${v/secs/seconds}: a positive number"
done
[ -f "$supp" ] || die "no suppressions file $supp"
supp=$(cd "$(dirname "$supp")" && pwd)/$(basename "$supp")
[ ${#corpora[@]} -gt 0 ] || corpora=("$root/corpus/seeds")
[ -n "$sync" ] && { mkdir -p "$sync"; corpora+=("$sync"); }
for d in "${corpora[@]}" "${imports[@]}"; do [ -d "$d" ] || die "no directory $d"; done
[ ${#imports[@]} -eq 0 ] || [ "$engine" = afl ] || die "--import is for --engine afl (libFuzzer: give the directory to --corpus)"
[ -z "$machine" ] || [ "$engine" = afl ] || die "--machine is for --engine afl"
[ -z "$machine" ] || [[ $machine =~ ^[A-Za-z0-9_]+$ ]] || die "--machine: letters, digits and _ only"
[ -z "$machine" ] || [ ${#imports[@]} -eq 0 ] || die "--import needs the main instance (not with --machine)"
out=${out:-$root/out/farm-$engine-$policy}
build=${build:-$root/build-fuzz$([ $sanitize = 1 ] && echo -asan || true)}
mkdir -p "$out/corpus" "$out/crashes" "$out/logs"
out=$(cd "$out" && pwd)

# --- build -----------------------------------------------------------------
if [ $build_it = 1 ]; then
  echo "farm: building the fuzz targets in $build"
  fuzz_build "$build" "$([ $sanitize = 1 ] && echo asan || true)"
  if [ "$engine" = afl ] && [ $cmplog = 1 ]; then
    cmake --build "$build" --target gcsim_afl_cmplog >/dev/null
  fi
fi
[ -x "$build/gcsim" ] || die "no gcsim in $build (build it, or drop --no-build)"
build=$(cd "$build" && pwd)
gcsim=$build/gcsim
GCSIM_POLICY=$policy "$gcsim" replay "$root/corpus/seeds/stmt_saveall" >/dev/null 2>"$out/logs/policy.err" ||
  [ $? -eq 1 ] || die "$(head -1 "$out/logs/policy.err")"
export GCSIM_POLICY=$policy
if [ $keep_known = 1 ]; then export GCSIM_SUPPRESSIONS=; else export GCSIM_SUPPRESSIONS=$supp; fi

# --- workers -----------------------------------------------------------------
# Each worker runs in a process group of its own (set -m), so that stopping
# the farm stops every process a worker started, and nothing else.
pids=()
stop_workers() {
  local p
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
}
trap 'echo "farm: interrupted, stopping the workers"; stop_workers' INT TERM

start_libfuzzer() {
  [ -x "$build/gcsim-fuzz" ] || die "no $build/gcsim-fuzz (a -DGCSIM_FUZZ=ON build with clang)"
  mkdir -p "$out/tmp"
  set -m
  TMPDIR=$out/tmp "$build/gcsim-fuzz" -fork="$workers" -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -max_total_time="$secs" -dict="$root/corpus/gcsim.dict" -max_len="$max_len" \
    -artifact_prefix="$out/crashes/" "$out/corpus" "${corpora[@]}" \
    >"$out/logs/libfuzzer.log" 2>&1 &
  pids+=($!)
  set +m
  echo "farm: libFuzzer -fork=$workers, log $out/logs/libfuzzer.log"
}

start_afl() {
  command -v afl-fuzz >/dev/null || die "no afl-fuzz (scripts/install-deps.sh installs afl++)"
  [ -x "$build/gcsim-afl" ] || die "no $build/gcsim-afl (afl-clang-fast was missing at build time)"
  local use_cmplog=0 i name args env
  # instances: main, s1 ... (s1 with CmpLog when there are two or more);
  # with --machine, NAME-s1 ... NAME-sN (NAME-s1 with CmpLog)
  local first=0
  [ -n "$machine" ] && first=1
  if [ $cmplog = 1 ] && [ $((workers + first)) -ge 2 ]; then
    [ -x "$build/gcsim-afl-cmplog" ] || die "no $build/gcsim-afl-cmplog (cmake --build $build --target gcsim_afl_cmplog, or --no-cmplog)"
    use_cmplog=1
  fi
  # afl-fuzz takes one input directory: the corpora, copied
  rm -rf "$out/afl-in"; mkdir -p "$out/afl-in"
  for d in "${corpora[@]}"; do find "$d" -maxdepth 1 -type f -exec cp -t "$out/afl-in" {} +; done
  [ -n "$(ls -A "$out/afl-in")" ] || cp "$root"/corpus/seeds/* "$out/afl-in/"
  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
    AFL_TRY_AFFINITY=1 AFL_AUTORESUME=1
  set -m
  for i in $(seq "$first" $((workers - 1 + first))); do
    # the main instance imports the foreign corpora (-F) first thing
    # (AFL_IMPORT_FIRST), then every sync; the first secondary runs CmpLog
    env=()
    if [ "$i" -eq 0 ]; then
      name=main args=(-M main)
      for d in "${imports[@]}"; do args+=(-F "$(cd "$d" && pwd)"); env=(AFL_IMPORT_FIRST=1); done
    else name=${machine:+$machine-}s$i args=(-S "$name"); fi
    [ "$i" -eq 1 ] && [ $use_cmplog = 1 ] && args+=(-c "$build/gcsim-afl-cmplog")
    # afl-fuzz prints a line per test case without its UI: keep the first
    # 300 lines (the start-up and any error), drop the rest.
    env "${env[@]}" afl-fuzz "${args[@]}" -i "$out/afl-in" -o "$out/afl" -x "$root/corpus/gcsim.dict" \
      -G "$max_len" -V "$secs" -- "$build/gcsim-afl" </dev/null \
      > >(awk 'NR <= 300' >"$out/logs/afl-$name.log") 2>&1 &
    pids+=($!)
    echo "farm: afl-fuzz ${args[*]}, log $out/logs/afl-$name.log"
  done
  set +m
}

# --- progress ----------------------------------------------------------------
# status_numbers LINE: "EXECS COV FT" from a libFuzzer status line, the fork
# parent's ("#26154: cov: 2178 ft: 3372 corp: ...") or a job's ("#65536
# pulse  cov: 903 ft: 3365 ...").
status_numbers() {
  awk '{ n = substr($1, 2) + 0
         for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i+1); if ($i == "ft:") f = $(i+1) } }
       END { print n + 0, c + 0, f + 0 }' <<<"$1"
}

# sample: sets execs, cov, ft, corpus and crashes from what the engines
# have written so far.
sample() {
  execs=0 cov=0 ft=0 corpus=0 crashes=0
  crashes=$( (find "$out/crashes" -type f; find "$out"/afl/*/crashes -name 'id:*' -type f) 2>/dev/null | wc -l)
  local f l n c g
  if [ "$engine" = libfuzzer ]; then
    # the fork parent's last status line (the jobs done so far), plus what
    # the running jobs print into their logs in its temporary directory
    l=$(grep -a -E '^#[0-9]+: cov: ' "$out/logs/libfuzzer.log" 2>/dev/null | tail -1)
    read -r execs cov ft < <(status_numbers "$l")
    for f in "$out"/tmp/libFuzzerTemp.FuzzWithFork*.dir/*.log; do
      l=$(grep -a -E '^#[0-9]+[[:space:]]' "$f" 2>/dev/null | tail -1) || continue
      read -r n c g < <(status_numbers "$l")
      execs=$((execs + n)); [ "$c" -gt "$cov" ] && cov=$c; [ "$g" -gt "$ft" ] && ft=$g
    done
    corpus=$(find "$out/corpus" -type f | wc -l)
  else
    # per instance: plot_data's last row, else fuzzer_stats once it has a
    # run time (AFL++ writes either only after its first minute, and when
    # it stops); until then execs stays 0 and prints as "-". The rate is
    # AFL++'s own (execs_per_sec), summed.
    ft=- afl_rate=0
    local r
    for f in "$out"/afl/*/; do
      [ -d "$f/queue" ] || continue
      l=$(grep -v '^#' "$f/plot_data" 2>/dev/null | tail -1)
      if [ -n "$l" ]; then
        n=$(awk -F', *' '{print $12}' <<<"$l"); g=$(awk -F', *' '{print $13}' <<<"$l")
        r=$(awk -F', *' '{print $11}' <<<"$l")
      elif [ "$(sed -n 's/^run_time *: *//p' "$f/fuzzer_stats" 2>/dev/null)" -gt 0 ] 2>/dev/null; then
        n=$(sed -n 's/^execs_done *: *//p' "$f/fuzzer_stats")
        g=$(sed -n 's/^edges_found *: *//p' "$f/fuzzer_stats")
        r=$(sed -n 's/^execs_per_sec *: *//p' "$f/fuzzer_stats")
      else n= g= r=; fi
      [[ ${n:-} =~ ^[0-9]+$ ]] && execs=$((execs + n))
      [[ ${r:-} =~ ^[0-9]+ ]] && afl_rate=$((afl_rate + ${r%%.*}))
      [[ ${g:-} =~ ^[0-9]+$ ]] && [ "$g" -gt "$cov" ] && cov=$g
      n=$(find "$f/queue" -maxdepth 1 -name 'id:*' -type f | wc -l)
      [ "$n" -gt "$corpus" ] && corpus=$n
    done
  fi
}

# report_line: one summary line across workers, and a row of progress.tsv
t0=$(date +%s)
prev_t=$t0 prev_execs=0 afl_rate=0
printf 'seconds\texecs\tcoverage\tfeatures\tcorpus\tcrashes\n' >"$out/progress.tsv"
report_line() {
  local now el rate=- e c
  now=$(date +%s); el=$((now - t0))
  sample || true # errexit is off inside: a file that vanished is no error
  # a libFuzzer job's log goes before the parent counts its executions:
  # never print fewer than before
  [ "$execs" -lt "$prev_execs" ] && execs=$prev_execs
  [ "$now" -gt "$prev_t" ] && rate=$(((execs - prev_execs) / (now - prev_t)))
  [ "$engine" = afl ] && rate=$afl_rate
  prev_t=$now prev_execs=$execs
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$el" "$execs" "$cov" "$ft" "$corpus" "$crashes" >>"$out/progress.tsv"
  e="$execs ($rate/s)"; [ "$execs" -eq 0 ] && e=-
  if [ "$engine" = libfuzzer ]; then c="cov $cov ft $ft"
  elif [ "$cov" -eq 0 ]; then c="edges -"
  else c="edges $cov"; fi
  echo "farm ${el}s/${secs}s $engine x$workers $policy: execs $e $c corpus $corpus crashes $crashes"
}

echo "farm: $engine, $workers worker(s), $policy, ${secs}s, work directory $out"
echo "farm: engines $([ $keep_known = 1 ] && echo "save every violation; known ones are marked from $supp" || echo "suppress the known findings of $supp")"
case $engine in libfuzzer) start_libfuzzer ;; afl) start_afl ;; esac

# one summary line every $interval seconds while a worker runs. At the
# deadline, libFuzzer's jobs are told to stop (the fork parent looks at the
# clock only when a job ends, and a job runs up to 300 s): the stop file
# the parent gives them. A minute later (the engines' own final merge),
# whatever still runs is stopped.
alive() { local p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# The workers' children that lead process groups of their own: AFL++'s
# fork servers call setsid(), and when afl-fuzz exits it leaves the CmpLog
# target's persistent child stopped (SIGSTOP) in such a group.
groups=()
track_groups() {
  local p c
  for p in "${pids[@]}"; do
    for c in $(pgrep -P "$p" 2>/dev/null || true); do
      [ "$(ps -o pgid= -p "$c" 2>/dev/null | tr -d ' ')" = "$c" ] || continue
      [[ " ${groups[*]} " == *" $c "* ]] || groups+=("$c")
    done
  done
}
next=$((t0 + interval))
while alive; do
  sleep 1 || true
  track_groups
  now=$(date +%s)
  [ "$now" -ge "$next" ] && { report_line; next=$((now + interval)); }
  if [ "$engine" = libfuzzer ] && [ "$now" -ge $((t0 + secs)) ]; then
    for d in "$out"/tmp/libFuzzerTemp.FuzzWithFork*.dir; do [ -d "$d" ] && touch "$d/STOP"; done
  fi
  [ "$now" -gt $((t0 + secs + 60)) ] && { echo "farm: past the deadline, stopping the workers"; stop_workers; }
done
wait 2>/dev/null || true
# Whatever is left in the workers' process groups, or in those of their
# children, is debris (see track_groups).
for p in "${pids[@]}" "${groups[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
[ "$(date +%s)" -gt "$prev_t" ] && report_line
trap - INT TERM

# --- merge and minimize ------------------------------------------------------
rm -rf "$out/corpus-min"; mkdir -p "$out/corpus-min"
if [ "$engine" = libfuzzer ]; then
  # (an input that crashes the merge's child is saved under tmp/, not in
  # the working directory: it is in the corpus already)
  "$build/gcsim-fuzz" -merge=1 -max_len="$max_len" -artifact_prefix="$out/tmp/merge-" \
    "$out/corpus-min" "$out/corpus" "${corpora[@]}" \
    >"$out/logs/merge.log" 2>&1 || { echo "farm: merge failed, see $out/logs/merge.log"; }
  n_in=$(cat <(find "$out/corpus" "${corpora[@]}" -type f) | wc -l)
  echo "farm: libFuzzer -merge=1: $n_in inputs -> $(find "$out/corpus-min" -type f | wc -l) in $out/corpus-min"
else
  # every instance's queue, named by content, then afl-cmin
  for f in "$out"/afl/*/queue/id:*; do
    [ -f "$f" ] && cp "$f" "$out/corpus/$(sha1sum <"$f" | cut -c1-40)"
  done
  # AFL_ALLOW_TMP: afl-cmin refuses /tmp out of caution; these directories
  # are the farm's own
  AFL_QUIET=1 AFL_ALLOW_TMP=1 afl-cmin -i "$out/corpus" -o "$out/corpus-min" -- "$build/gcsim-afl" \
    >"$out/logs/cmin.log" 2>&1 || echo "farm: afl-cmin failed, see $out/logs/cmin.log"
  for f in "$out"/afl/*/crashes/id:*; do
    [ -f "$f" ] || continue
    inst=${f%/crashes/*}; inst=${inst##*/}
    cp "$f" "$out/crashes/$inst-$(sha1sum <"$f" | cut -c1-40)"
  done
  echo "farm: afl-cmin: $(find "$out/corpus" -type f | wc -l) inputs -> $(find "$out/corpus-min" -type f | wc -l) in $out/corpus-min"
fi
if [ -n "$sync" ]; then
  for f in "$out"/corpus-min/*; do
    [ -f "$f" ] && cp -n "$f" "$sync/$(sha1sum <"$f" | cut -c1-40)"
  done
  echo "farm: $sync now holds $(find "$sync" -type f | wc -l) inputs"
fi

# --- report ------------------------------------------------------------------
echo
echo "coverage growth ($out/progress.tsv; coverage is libFuzzer's cov, AFL++'s edges):"
tail -n +2 "$out/progress.tsv" | awk -F'\t' '{ r[++n] = $0 } END {
  printf "  %8s %12s %9s %9s %7s %7s\n", "seconds", "execs", "coverage", "features", "corpus", "crashes"
  step = n > 10 ? n / 10 : 1
  for (k = step; k < n + step; k += step) {
    i = int(k + 0.5); if (i > n) i = n; if (i == last) continue; last = i
    split(r[i], a, "\t"); printf "  %8s %12s %9s %9s %7s %7s\n", a[1], a[2], a[3], a[4], a[5], a[6] } }'
echo
crash_files=("$out"/crashes/*)
[ -e "${crash_files[0]}" ] || crash_files=()
crash_table "$policy" "$gcsim" "$supp" "${crash_files[@]}" >"$out/crashes.txt"
n_new=$(awk '$3 == "new"' "$out/crashes.txt" | wc -l)
n_known=$(awk '$3 == "known"' "$out/crashes.txt" | wc -l)
echo "crash signatures (gcsim replay; known = matched by $supp): $n_known known, $n_new new, ${#crash_files[@]} crash file(s)"
[ -s "$out/crashes.txt" ] && sed 's/^/  /' "$out/crashes.txt"
[ "$n_new" -eq 0 ] || echo "farm: reproduce with: $gcsim replay FILE --policy $policy; minimize with: $gcsim minimize FILE --policy $policy"
[ "$n_new" -eq 0 ]
