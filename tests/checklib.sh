# tests/checklib.sh — sourced by the shell tests that judge a command by its
# exit status and its whole output (stdout and stderr together, in
# $tmp/out). The sourcing script sets tmp and prints
# "$pass passed, $fail failed" at the end.
pass=0 fail=0
check() { # name expected-status grep-pattern-on-stdout+stderr command...
  local name=$1 want=$2 pat=$3; shift 3
  "$@" >"$tmp/out" 2>&1; local rc=$?
  if [ $rc -eq "$want" ] && { [ -z "$pat" ] || grep -qE -e "$pat" "$tmp/out"; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: exit $rc (want $want)"; head -30 "$tmp/out"
  fi
}
refute() { # name pattern: the last command's output must not match
  if grep -qE -e "$2" "$tmp/out"; then
    fail=$((fail + 1)); echo "FAIL $1: output matches '$2'"; head -30 "$tmp/out"
  else
    pass=$((pass + 1))
  fi
}
