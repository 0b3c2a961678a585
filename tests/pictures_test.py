#!/usr/bin/env python3
"""Pictures end to end: gcsim's --dot, --svg and --timeline.

usage: pictures_test.py GCSIM SRCDIR

Every DOT gcsim writes is read back by Graphviz itself (`dot -Tjson0`):
it must be accepted without a warning, and what the test checks (kinds,
marks, the unreachable cluster, the violation's chain) is read from
Graphviz's parse, not from gcsim's text. Also: the timeline page is
self-contained and well-formed, the figure in docs/ is current, and the
fallbacks without Graphviz do what docs/pictures.md says.

Exit 77 (skipped) when Graphviz's dot is not installed.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from checks import Checks

GCSIM, SRC = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="gcsim-pictures-")
BPO = os.path.join(SRC, "corpus/scenarios/bpo38006.gcs")
CHECKS = Checks()
check = CHECKS.check


def gcsim(*args, env=None, cwd=None):
    p = subprocess.run([GCSIM, *args], capture_output=True, text=True,
                       env=env, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def tmp(name):
    return os.path.join(TMP, name)


def graphviz_parse(path):
    """The graph as Graphviz reads it: (nodes by name, edges, clusters, the
    graph's label), or raise ValueError with dot's complaint."""
    p = subprocess.run(["dot", "-Tjson0", path], capture_output=True,
                       text=True)
    if p.returncode != 0 or p.stderr.strip():
        raise ValueError(f"dot rejects {path}: exit {p.returncode}: "
                         f"{p.stderr.strip()[:300]}")
    g = json.loads(p.stdout)
    objs = g.get("objects", [])
    nodes = {o["name"]: o for o in objs if "nodes" not in o}
    byid = {o["_gvid"]: o for o in objs}
    clusters = {o["name"]: dict(o, nodes=[byid[i]["name"]
                                          for i in o.get("nodes", [])])
                for o in objs if "nodes" in o}
    edges = [dict(e, tail=byid[e["tail"]]["name"], head=byid[e["head"]]["name"])
             for e in g.get("edges", [])]
    return nodes, edges, clusters, g.get("label", "")


def parsed(name, path):
    """graphviz_parse() as a check of its own; None when dot rejects it."""
    try:
        g = graphviz_parse(path)
    except (ValueError, OSError) as e:
        check(f"{name}: dot accepts the DOT", False, str(e))
        return None
    check(f"{name}: dot accepts the DOT", True)
    return g


def classes(obj):
    return set(obj.get("class", "").split())


def label_name(node):
    """An object's label (the first line of the node's label)."""
    return node.get("label", "").split("\\n")[0]


def by_label(nodes):
    return {label_name(n): n for name, n in nodes.items()
            if re.fullmatch(r"n\d+", name)}


def hop(edge):
    m = re.match(r"\[(\d+)\]", edge.get("label", ""))
    return int(m.group(1)) if m else 0


# ---- bpo-38006 under 3.8b4: the picture of the crash ----------------------

def test_bpo38006_violation():
    rc, out, err = gcsim("run", BPO, "--dot", tmp("v.dot"), "--svg",
                         tmp("v.svg"))
    check("bpo38006 3.8b4 exits 1", rc == 1, err)
    g = parsed("bpo38006 3.8b4", tmp("v.dot"))
    if not g:
        return
    nodes, edges, clusters, _ = g
    obj = by_label(nodes)
    check("bpo38006 draws c a y z wz", set(obj) == {"c", "a", "y", "z", "wz"},
          str(sorted(obj)))
    if set(obj) != {"c", "a", "y", "z", "wz"}:
        return
    name = {label: n["name"] for label, n in obj.items()}
    label = {v: k for k, v in name.items()}
    want = {"c": {"function", "cleared", "violation", "path"},
            "a": {"object", "cleared", "path"},
            "y": {"opaque", "dying", "path"},
            "z": {"object", "dying", "path"},
            "wz": {"weakref", "path"}}
    for k, cls in want.items():
        check(f"bpo38006 {k} marked {sorted(cls)}", classes(obj[k]) == cls,
              str(sorted(classes(obj[k]))))
    check("the opaque container looks different",
          obj["y"]["shape"] != obj["a"]["shape"] and
          obj["y"].get("fillcolor") != obj["wz"].get("fillcolor"))
    check("the cleared callback looks cleared",
          obj["c"]["fillcolor"] == obj["a"]["fillcolor"] !=
          obj["wz"]["fillcolor"])
    check("the violating object is outlined",
          obj["c"].get("penwidth") == "3" and "VIOLATION" in obj["c"]["label"])
    cl = clusters.get("cluster_unreachable", {})
    check("the unreachable cluster is c, a, wz",
          sorted(label.get(n, n) for n in cl.get("nodes", [])) ==
          ["a", "c", "wz"], str(cl.get("nodes")))
    check("the cluster says what it is",
          cl.get("label") == "unreachable set of the collection at step 16"
          and cl.get("class") == "unreachable", str(cl.get("label")))
    # the chain, hop by hop: [1] tp_clear -> a, [2] a -> y, [3] y -> z,
    # [4] wz ~> z (its weakref), [5] wz -> c (its callback)
    chain = sorted((hop(e), label.get(e["tail"], e["tail"]),
                    label.get(e["head"], e["head"]), e.get("class", ""))
                   for e in edges if "path" in classes(e))
    got = [(h, t, hd) for h, t, hd, _ in chain]
    check("the chain is highlighted in order",
          [(h, hd) for h, t, hd in got] ==
          [(0, "a"), (2, "y"), (3, "z"), (4, "z"), (5, "c")] and
          [t for h, t, hd in got][1:] == ["a", "y", "wz", "wz"], str(got))
    start = [n for n in nodes.values() if "start" in classes(n)]
    check("the chain starts at gc's tp_clear",
          len(start) == 1 and "[1] gc delete_garbage: tp_clear" in
          start[0]["label"], str([s.get("label") for s in start]))
    path_edges = [e for e in edges if "path" in classes(e)]
    check("the chain is red and thick",
          all(e.get("color") == "#d50000" and float(e.get("penwidth", 1)) > 2
              for e in path_edges))
    weak = [e for e in edges if "weak" in classes(e)]
    check("the weakref is dashed to its referent",
          len(weak) == 1 and weak[0]["tail"] == name["wz"] and
          weak[0]["head"] == name["z"] and weak[0].get("style") == "dashed")
    cb = [e for e in edges if "callback" in classes(e)]
    check("the weakref's callback edge", len(cb) == 1 and
          cb[0]["tail"] == name["wz"] and cb[0]["head"] == name["c"])
    # in the order the DOT defines them (their ids), which ordering=out keeps
    a_slots = [e["label"] for e in sorted(
        (e for e in edges if e["tail"] == name["a"] and "slot" in classes(e)),
        key=lambda e: int(e["id"].rsplit("_e", 1)[1]))]
    check("a's references in slot order",
          [re.sub(r"^\[\d+\] ", "", s).split()[0] for s in a_slots] ==
          [".0", ".1", ".2"], str(a_slots))
    released = {(label[e["tail"]], label[e["head"]]) for e in edges
                if "released" in classes(e)}
    check("references released during step 16 are marked",
          released == {("a", "a"), ("a", "y"), ("y", "z"), ("wz", "z"),
                       ("wz", "c")}, str(sorted(released)))
    held = [e for e in edges if "held" in classes(e)]
    check("z's tp_dealloc holds c", len(held) == 1 and
          (label[held[0]["tail"]], label[held[0]["head"]]) == ("z", "c") and
          held[0].get("style") == "dotted")
    try:
        svg = open(tmp("v.svg")).read()
    except OSError as e:
        svg = ""
        check("--svg wrote the SVG", False, str(e))
    check("--svg draws it, classes kept",
          "<svg" in svg and 'class="node function cleared violation path"'
          in svg and 'class="cluster unreachable"' in svg)


# ---- bpo-38006 under 3.7: a clean run frees everything --------------------

def test_bpo38006_clean():
    rc, out, err = gcsim("run", BPO, "--policy", "cpython-3.7", "--dot",
                         tmp("c.dot"))
    check("bpo38006 3.7 exits 0", rc == 0, err)
    g = parsed("bpo38006 3.7", tmp("c.dot"))
    if not g:
        return
    nodes, edges, clusters, _ = g
    obj = by_label(nodes)
    check("everything freed during step 16 is drawn, marked freed",
          set(obj) == {"c", "a", "y", "z", "wz"} and
          all("freed" in classes(n) for n in obj.values()),
          str({k: sorted(classes(v)) for k, v in obj.items()}))
    check("no violation, no chain",
          not any("violation" in classes(n) or "path" in classes(n)
                  for n in nodes.values()) and
          not any("path" in classes(e) for e in edges))
    check("every reference drawn is released",
          edges and all("released" in classes(e) for e in edges))
    label = {n["name"]: k for k, n in obj.items()}
    check("the cluster is the collection's unreachable set",
          sorted(label.get(n, n) for n in clusters.get(
              "cluster_unreachable", {}).get("nodes", [])) ==
          ["a", "c", "wz"])


# ---- every scenario of the repository: dot accepts the DOT ----------------

def test_corpus():
    scen = sorted(os.path.join(d, f)
                  for d in (os.path.join(SRC, "corpus/scenarios"),
                            os.path.join(SRC, "tests/golden"))
                  if os.path.isdir(d) for f in os.listdir(d)
                  if f.endswith(".gcs"))
    bad = []
    for path in scen:
        for pol in ("cpython-3.8b4", "cpython-main"):
            rc, out, err = gcsim("run", path, "--policy", pol, "--dot",
                                 tmp("k.dot"))
            if rc not in (0, 1):
                bad.append(f"{os.path.basename(path)} {pol}: exit {rc} {err}")
                continue
            try:
                nodes = graphviz_parse(tmp("k.dot"))[0]
            except ValueError as e:
                bad.append(f"{os.path.basename(path)} {pol}: {e}")
                continue
            nviol = sum("violation" in classes(n) for n in nodes.values())
            if nviol != (1 if rc == 1 else 0):
                bad.append(f"{os.path.basename(path)} {pol}: exit {rc} but "
                           f"{nviol} violating objects drawn")
    check(f"dot accepts the DOT of {len(scen)} scenarios x 2 policies, one "
          "violation drawn iff exit 1", not bad and len(scen) >= 30,
          "; ".join(bad[:5]))


# ---- fuzz inputs: whatever the bytes decode to, the pictures are sound ---

def test_fuzz_inputs():
    import random
    inputs = []
    for seed in range(1, 25):
        rnd = random.Random(seed)
        inputs.append((f"random {seed}",
                       bytes(rnd.randrange(256) for _ in range(40 * seed)),
                       ("cpython-3.8b4", "cpython-3.9", "cpython-main")[seed % 3]))
    seeds = os.path.join(SRC, "corpus/seeds")
    for name in sorted(os.listdir(seeds)):
        with open(os.path.join(seeds, name), "rb") as f:
            inputs.append((f"seed {name}", f.read(), "cpython-3.8b4"))
    bad, violations = [], 0
    for name, data, pol in inputs:
        with open(tmp("g.bin"), "wb") as f:
            f.write(data)
        env = dict(os.environ, GCSIM_POLICY=pol)
        rc, out, err = gcsim("replay", tmp("g.bin"), "--dot", tmp("g.dot"),
                             "--timeline", tmp("g.html"), env=env)
        if rc not in (0, 1, 2) or (rc == 2 and "budget" not in err):
            bad.append(f"{name}: exit {rc} {err.strip()[:100]}")
            continue
        violations += rc == 1
        try:
            nodes = graphviz_parse(tmp("g.dot"))[0]
        except (ValueError, OSError) as e:
            bad.append(f"{name}: {e}")
            continue
        if sum("violation" in classes(n) for n in nodes.values()) != \
                (rc == 1):
            bad.append(f"{name}: exit {rc}, violation marks wrong")
        problems, _ = page_problems(open(tmp("g.html"),
                                         encoding="utf-8").read())
        if problems:
            bad.append(f"{name}: page: {problems[:3]}")
    check(f"{len(inputs)} fuzz inputs replayed with pictures ({violations} "
          "violations): sound DOT and page", not bad and violations >= 3,
          "; ".join(bad[:5]))


# ---- replay and minimize draw too -----------------------------------------

def test_replay_minimize():
    rc, _, err = gcsim("encode", BPO, "-o", tmp("b.bin"))
    check("encode", rc == 0, err)
    env = dict(os.environ, GCSIM_POLICY="cpython-3.8b4")
    rc, out, err = gcsim("replay", tmp("b.bin"), "--dot", tmp("r.dot"),
                         "--timeline", tmp("r.html"), env=env)
    check("replay with pictures exits 1 and still prints its signature",
          rc == 1 and "signature: call-after-clear:" in out, err)
    g = parsed("replay --dot", tmp("r.dot"))
    if g:
        v = [n for n in g[0].values() if "violation" in classes(n)]
        check("replay --dot draws the violation on the function",
              len(v) == 1 and "function" in classes(v[0]) and
              any("path" in classes(e) for e in g[1]))
    rc, out, err = gcsim("minimize", BPO, "--dot", tmp("m.dot"))
    check("minimize with pictures exits 0, prints the scenario",
          rc == 0 and out.startswith("# minimized by gcsim"), err)
    g = parsed("minimize --dot", tmp("m.dot"))
    if g:
        check("minimize --dot draws the minimized run",
              "minimized" in g[3] and "VIOLATION call-after-clear" in g[3]
              and any("violation" in classes(n) for n in g[0].values()),
              g[3])


# ---- the timeline page -----------------------------------------------------

class Page(html.parser.HTMLParser):
    """What a self-containedness check needs: tags, ids, links, CSS."""

    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.links, self.styles = [], [], [], []
        self.errors = []
        self.classes_of = {}
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
            self.classes_of[a["id"]] = a.get("class", "")
        for k in ("src", "href", "xlink:href", "srcset", "poster", "data"):
            if k in a and a[k] is not None:
                self.links.append((tag, k, a[k]))
        if "style" in a:
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def page_problems(text):
    p = Page()
    p.feed(text)
    bad = []
    for tag in ("script", "link", "img", "iframe", "object", "embed",
                "audio", "video", "source", "base"):
        if tag in p.tags:
            bad.append(f"<{tag}>")
    bad += [f"{t} {k}={v}" for t, k, v in p.links if not v.startswith("#")]
    bad += [s[:60] for s in p.styles if "url(" in s or "@import" in s]
    dup = {i for i in p.ids if p.ids.count(i) > 1}
    if dup:
        bad.append(f"duplicate ids {sorted(dup)[:5]}")
    return bad, p


def test_timeline():
    rc, out, err = gcsim("run", BPO, "--timeline", tmp("t.html"))
    check("--timeline exits as the run does (1)", rc == 1, err)
    text = open(tmp("t.html"), encoding="utf-8").read()
    bad, p = page_problems(text)
    check("the page loads nothing from outside, ids unique", not bad,
          "; ".join(bad))
    check("the page starts as HTML5", text.startswith("<!DOCTYPE html>"))
    check("the result box says violation",
          p.classes_of.get("result") == "violation" and
          "VIOLATION call-after-clear on c at step 16" in text)
    check("the violation's event is there", "violation" in p.ids)
    check("one graph per collection and the final graph, inline SVG",
          text.count("<svg") == 2 and "collection-1" in p.ids and
          "graph" in p.ids and "<?xml" not in text)
    check("the scenario's statements are listed",
          all(f"<code>{s}</code>" in text for s in
              ("new y opaque", "weakref wz z c", "collect 2")))
    # a page that broke the rules is caught by the same check
    evil = text.replace("</body>", '<img src="x.png"><script>1</script>'
                        '<p id="result"></p></body>')
    bad2, _ = page_problems(evil)
    check("the self-containedness check catches a broken page",
          len(bad2) >= 3, str(bad2))


# ---- without Graphviz ------------------------------------------------------

def test_without_graphviz():
    env = dict(os.environ, PATH="/nonexistent")
    rc, out, err = gcsim("run", BPO, "--svg", tmp("n.svg"), env=env)
    check("--svg without dot: exit 2 before running",
          rc == 2 and out == "" and not os.path.exists(tmp("n.svg")), err)
    check("--svg without dot says how to get it",
          "apt-get install graphviz" in err and "--dot" in err, err)
    rc, out, err = gcsim("run", BPO, "--timeline", tmp("n.html"), env=env)
    check("--timeline without dot still runs and writes the page",
          rc == 1 and os.path.exists(tmp("n.html")), err)
    check("--timeline without dot says so", "apt-get install graphviz" in err,
          err)
    if os.path.exists(tmp("n.html")):
        text = open(tmp("n.html"), encoding="utf-8").read()
        bad, _ = page_problems(text)
        check("the page without dot has the graphs as DOT text",
              "<svg" not in text and text.count('<pre class="dot">') == 2
              and "digraph gcsim" in text and not bad, "; ".join(bad))
    rc, out, err = gcsim("run", BPO, "--dot", tmp("n.dot"), env=env)
    check("--dot needs no Graphviz", rc == 1 and os.path.exists(tmp("n.dot")),
          err)


# ---- the README's figure (docs/) -------------------------------------------------

def test_figure_current():
    rc, out, err = gcsim("run", "corpus/scenarios/bpo38006.gcs", "--dot",
                         tmp("fig.dot"), cwd=SRC)
    try:
        want = open(os.path.join(SRC, "docs/bpo38006.dot")).read()
        got = open(tmp("fig.dot")).read()
    except OSError as e:
        check("docs/bpo38006.dot is current", False, str(e))
        return
    check("docs/bpo38006.dot is current (scripts/render-figures.sh)",
          rc == 1 and want == got)
    svg = open(os.path.join(SRC, "docs/bpo38006.svg")).read()
    check("docs/bpo38006.svg is drawn from it",
          "<svg" in svg and 'class="node function cleared violation path"'
          in svg)


if __name__ == "__main__":
    if shutil.which("dot") is None:
        print("skipped: Graphviz's dot is not installed "
              "(apt-get install graphviz)")
        sys.exit(77)
    try:
        for t in (test_bpo38006_violation, test_bpo38006_clean, test_corpus,
                  test_fuzz_inputs, test_replay_minimize, test_timeline, test_without_graphviz,
                  test_figure_current):
            t()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(CHECKS.summary())
