"""checks.py — the tally the Python tests share: check(name, ok, detail)
counts a result and prints what failed; summary() prints the closing line
"N passed, M failed" (which CI reads) and returns the exit status."""
import sys


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        sys.stdout.flush()
        return ok

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
