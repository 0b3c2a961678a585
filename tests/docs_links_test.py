#!/usr/bin/env python3
"""Every relative link in README.md and docs/*.md resolves.

usage: docs_links_test.py SRC_DIR

Checks each link of README.md and docs/*.md: inline links [text](path),
[text](path#anchor) and [text](#anchor), images ![alt](path), and
reference definitions [label]: path. Links inside fenced code blocks and
`code spans` are not links (GitHub does not render them) and are ignored.
External links (http:, https:, mailto:) are skipped.

A path resolves when it names an existing file or directory inside
SRC_DIR, relative to the linking file (or to SRC_DIR when it starts with
`/`, as on GitHub). An #anchor must name a heading of the target file
(the same file for a bare #anchor), by GitHub's slug rule: the heading's
text lowercased, every character that is not a letter, digit, space, '-'
or '_' removed, each space turned into '-', and a repeated slug suffixed
-1, -2, ... An explicit <a name="..."> or id="..." counts too. On a file
that is not Markdown, the only anchors are GitHub's line anchors, #L12 or
#L12-L20, within the file's length.

Also README.md must have at most 250 lines (the landing page).

Prints one line per failure, `FILE:LINE: broken link TARGET (why)`, then
`N passed, M failed`: N links resolve, M failures (broken links, and the
README's length when it is over). Exit status 1 if anything failed, 0
otherwise, 2 on bad usage. Python 3 standard library only.
"""
import os
import re
import sys
import urllib.parse

README_MAX_LINES = 250
EXTERNAL = ("http:", "https:", "mailto:")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) or ![alt](target); the text may hold one level of
# brackets (an image inside a link); the target may be <...> and may be
# followed by a "title".
INLINE = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*\bname=["']([^"']+)["']|\bid=["']([^"']+)["']""")
LINE_ANCHOR = re.compile(r"^L(\d+)(?:-L(\d+))?$")


def text_lines(path):
    """The file's lines (without newlines), or None when unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None


def prose_lines(lines):
    """(line number, text) of every line outside fenced code blocks."""
    fence = None
    for i, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        yield i, line


def heading_text(raw):
    """A heading's text as GitHub renders it: no code-span backticks, a
    link or image reduced to its text, emphasis markers left for slug()."""
    raw = CODE_SPAN.sub(lambda m: m.group(2).strip(), raw)
    raw = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)
    raw = re.sub(r"<[^>]+>", "", raw)
    return raw.strip()


def slug(text):
    """GitHub's anchor for a heading's text."""
    s = text.lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors_of(lines):
    """Every anchor a Markdown file defines: its headings' slugs (repeats
    numbered as GitHub numbers them) and explicit HTML anchors."""
    found, seen = set(), {}
    prev = None
    for _, line in prose_lines(lines):
        for m in HTML_ANCHOR.finditer(line):
            found.add(m.group(1) or m.group(2))
        text = None
        m = ATX.match(line)
        if m:
            text = m.group(2) or ""
        elif prev is not None and prev.strip() and SETEXT.match(line) \
                and not ATX.match(prev) and not prev.startswith(("    ", "\t")):
            text = prev
        prev = line
        if text is None:
            continue
        base = slug(heading_text(text))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links_of(lines):
    """(line number, target) of every link outside code."""
    for lineno, line in prose_lines(lines):
        bare = CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        m = REFDEF.match(bare)
        if m:
            yield lineno, m.group(1)
            continue
        for m in INLINE.finditer(bare):
            yield lineno, m.group(1)


class Checker:
    def __init__(self, root):
        self.root = os.path.realpath(root)
        self.anchor_cache = {}
        self.passed = self.failed = 0

    def fail(self, where, target, why):
        self.failed += 1
        print(f"{where}: broken link {target} ({why})")

    def anchors(self, path):
        if path not in self.anchor_cache:
            lines = text_lines(path)
            self.anchor_cache[path] = anchors_of(lines) if lines is not None else None
        return self.anchor_cache[path]

    def check_anchor(self, path, anchor):
        """None when #anchor resolves in path, else why not."""
        if os.path.isdir(path):
            return "an anchor on a directory"
        if path.lower().endswith((".md", ".markdown")):
            found = self.anchors(path)
            if found is None:
                return "cannot read the target"
            if anchor in found:
                return None
            near = sorted(a for a in found if anchor in a or a in anchor)
            hint = f"; close: #{', #'.join(near[:3])}" if near else ""
            return f"no heading #{anchor} in {os.path.relpath(path, self.root)}{hint}"
        m = LINE_ANCHOR.match(anchor)
        if not m:
            return f"#{anchor} is not a line anchor (#L12 or #L12-L20) of a non-Markdown file"
        lines = text_lines(path)
        if lines is None:
            return "cannot read the target"
        n = len(lines) - (1 if lines and lines[-1] == "" else 0)
        last = int(m.group(2) or m.group(1))
        if not 1 <= int(m.group(1)) <= last <= n:
            return f"#{anchor} is past the end of the file ({n} lines)"
        return None

    def check_link(self, md, lineno, target):
        where = f"{os.path.relpath(md, self.root)}:{lineno}"
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
        shown = target
        if target.lower().startswith(EXTERNAL):
            return
        if not target:
            return self.fail(where, "''", "empty target")
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
            return self.fail(where, shown, "a URL scheme other than http:, https: or mailto:")
        path_part, _, anchor = target.partition("#")
        path_part = path_part.split("?", 1)[0]
        path_part = urllib.parse.unquote(path_part)
        anchor = urllib.parse.unquote(anchor)
        if not path_part:
            dest = md
        elif path_part.startswith("/"):
            dest = os.path.join(self.root, path_part.lstrip("/"))
        else:
            dest = os.path.join(os.path.dirname(md), path_part)
        dest = os.path.realpath(dest)
        if dest != self.root and not dest.startswith(self.root + os.sep):
            return self.fail(where, shown, "outside the repository")
        if not os.path.exists(dest):
            return self.fail(where, shown, f"no such file or directory: {os.path.relpath(dest, self.root)}")
        if anchor:
            why = self.check_anchor(dest, anchor)
            if why:
                return self.fail(where, shown, why)
        self.passed += 1

    def check_file(self, md):
        lines = text_lines(md)
        rel = os.path.relpath(md, self.root)
        if lines is None:
            self.failed += 1
            print(f"{rel}:0: cannot read it")
            return
        for lineno, target in links_of(lines):
            self.check_link(md, lineno, target)
        if rel == "README.md":
            n = len(lines) - (1 if lines and lines[-1] == "" else 0)
            if n > README_MAX_LINES:
                self.failed += 1
                print(f"README.md:{n}: README.md has {n} lines, more than {README_MAX_LINES} "
                      "(it is the landing page; move detail into docs/)")


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print("usage: docs_links_test.py SRC_DIR", file=sys.stderr)
        return 2
    root = argv[1]
    checker = Checker(root)
    files = [os.path.join(checker.root, "README.md")]
    docs = os.path.join(checker.root, "docs")
    if os.path.isdir(docs):
        files += sorted(os.path.join(docs, f) for f in os.listdir(docs)
                        if f.endswith(".md") and os.path.isfile(os.path.join(docs, f)))
    for md in files:
        checker.check_file(md)
    print(f"{checker.passed} passed, {checker.failed} failed")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
