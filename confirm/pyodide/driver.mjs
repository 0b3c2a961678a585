// driver.mjs — the real side of `gcsim confirm --python pyodide:VERSION`:
// one CPython (pyodide, WebAssembly) loaded once under node, running many
// gcsim programs through the pure-Python probe, one after the other.
//
//   node driver.mjs PKGDIR PROBE.py
//     PKGDIR: an installed pyodide package (its pyodide.mjs), e.g.
//             /usr/local/lib/gcsim/pyodide/node_modules/pyodide-314.0.8
//     PROBE.py: confirm/probe/gcsim_probe.py (gcsim writes it to its cache)
//   node driver.mjs PKGDIR --run FILE.py
//     runs one plain Python file as __main__ (scripts/pyodide-run.sh): its
//     output as it prints it; exit 0, 1 on an exception, 134 on a crash
//
// Protocol (gcsim's side is confirm/confirm.c):
//   stdout, once:  "=gcsim-ready PYTHON_VERSION\n"
//   stdin:         "=gcsim-run TIMEOUT_MS LENGTH\n" then LENGTH bytes: the
//                  program's digest (confirm_digest)
//   stdout:        the probe's lines as it prints them ("- oldgen N",
//                  "STEP EVENT ARGS", ...), then "=gcsim-end STATUS DETAIL\n"
//                  with STATUS ok, error (an exception: DETAIL is its last
//                  line), timeout (the program ran past TIMEOUT_MS) or crash
//                  (the interpreter died, a WebAssembly trap: DETAIL says
//                  how). After timeout and crash the interpreter is loaded
//                  anew before the next program.
//
// Invariants:
//   - Nothing is fetched: pyodide loads from PKGDIR only (no packages).
//   - Each program starts as a native one does in a fresh process: the
//     probe module imported anew, gc enabled with its default thresholds,
//     no callbacks, after two full collections (gc.garbage emptied).
//   - A timeout first interrupts Python (KeyboardInterrupt through the
//     interrupt buffer); one that does not come back within a second more
//     (a loop in C, or one that swallows the interrupt) ends the worker.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const GRACE_MS = 1000;

// The same steps as the native driver (confirm/session.c), in a fresh
// namespace; the digest is in the interpreter's own file system. Then the
// probe lets go of what the program left (release), for the next one.
const PROGRAM = `
import sys
sys.modules.pop('_gcsimprobe', None)
import _gcsimprobe as p
f = open('/gcsim/digest', 'rb')
d = f.read()
f.close()
f = None
n = p.load(d)
d = None
i = 0
while i < n and p.step(i):
    i += 1
p.finish()
p.release()
`;

// Between programs: what a fresh process would have.
const RESET = `
import gc as _gc, sys as _sys
_sys.modules.pop('_gcsimprobe', None)
_gc.callbacks.clear()
_gc.set_debug(0)
_gc.enable()
_gc.set_threshold(*_gcsim_threshold)
_gc.collect()
_gc.garbage.clear()
_gc.collect()
`;

if (isMainThread && process.argv[3] === '--run') {
  // one plain file, no worker: a crash of the interpreter ends node
  const pkg = path.resolve(process.argv[2]);
  const code = fs.readFileSync(process.argv[4], 'utf8');
  const { loadPyodide } = await import(pathToFileURL(path.join(pkg, 'pyodide.mjs')).href);
  const py = await loadPyodide({ indexURL: pkg + '/', packages: [], fullStdLib: false });
  const out = (fd) => ({ isatty: true, write: (b) => { fs.writeSync(fd, b); return b.length; } });
  py.setStdout(out(1));
  py.setStderr(out(2));
  try {
    py.runPython(code, { globals: py.toPy({ __name__: '__main__' }) });
    process.exit(0);
  } catch (e) {
    process.stderr.write(String(e && e.message || e) + '\n');
    process.exit(/Pyodide has suffered a fatal error|RuntimeError: (memory access|null function|unreachable)/.test(String(e)) ? 134 : 1);
  }
} else if (isMainThread) {
  const [pkg, probe] = process.argv.slice(2);
  if (!pkg || !probe) {
    process.stderr.write('usage: node driver.mjs PKGDIR PROBE.py\n');
    process.exit(2);
  }
  const probeText = fs.readFileSync(probe, 'utf8');
  let worker, sab, flag, onMessage = () => {};

  function start() {
    sab = new SharedArrayBuffer(4);
    flag = new Int32Array(sab);
    worker = new Worker(fileURLToPath(import.meta.url),
                        { workerData: { pkg: path.resolve(pkg), sab, probeText } });
    return new Promise((resolve, reject) => {
      worker.once('message', (m) => {
        worker.on('message', (x) => onMessage(x));
        m.t === 'ready' ? resolve(m.version) : reject(new Error(m.s));
      });
      worker.once('error', reject);
    });
  }

  // Run one digest; resolves with [status, detail] once the end line is due.
  function run(timeoutMs, digest) {
    return new Promise((resolve) => {
      let done = false, t1, t2, lastErr = '';
      const finish = async (status, detail, restart) => {
        if (done) return;
        done = true;
        clearTimeout(t1);
        clearTimeout(t2);
        worker.removeAllListeners('error');
        onMessage = () => {};
        if (restart) {
          await worker.terminate();
          await start();
        }
        resolve([status, detail]);
      };
      onMessage = (m) => {
        if (m.t === 'o') process.stdout.write(m.s);
        else if (m.t === 'e') lastErr = (lastErr + m.s).slice(-4000);
        else if (m.t === 'done') finish(m.status, m.status === 'error' ? lastLine(lastErr) : '', false);
        else if (m.t === 'fatal') finish('crash', lastLine(m.s), true);
      };
      worker.once('error', (e) => finish('crash', lastLine(String(e)), true));
      Atomics.store(flag, 0, 0);
      t1 = setTimeout(() => {
        Atomics.store(flag, 0, 2); // SIGINT: KeyboardInterrupt at the next check
        t2 = setTimeout(() => finish('timeout', `killed after ${timeoutMs} ms`, true), GRACE_MS);
      }, timeoutMs);
      worker.postMessage({ digest, timeoutMs });
    });
  }

  let version;
  try {
    version = await start();
  } catch (e) {
    process.stderr.write(`pyodide at ${pkg} did not load: ${lastLine(String(e && e.stack || e))}\n`);
    process.exit(1);
  }
  process.stdout.write(`=gcsim-ready ${version}\n`);

  // stdin: "=gcsim-run TIMEOUT LENGTH\n" + LENGTH bytes, repeated
  let buf = Buffer.alloc(0), busy = Promise.resolve();
  const queue = [];
  process.stdin.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0) break;
      const head = buf.subarray(0, nl).toString().split(' ');
      if (head[0] !== '=gcsim-run' || head.length !== 3) {
        process.stderr.write(`driver.mjs: bad request '${head.join(' ')}'\n`);
        process.exit(2);
      }
      const len = Number(head[2]);
      if (buf.length < nl + 1 + len) break;
      queue.push([Number(head[1]), buf.subarray(nl + 1, nl + 1 + len).toString()]);
      buf = buf.subarray(nl + 1 + len);
    }
    while (queue.length) {
      const [t, d] = queue.shift();
      busy = busy.then(async () => {
        const [status, detail] = await run(t, d);
        process.stdout.write(`\n=gcsim-end ${status} ${detail.replace(/\n/g, ' ')}\n`);
      });
    }
  });
  process.stdin.on('end', () => busy.then(() => worker.terminate()));
} else {
  const { pkg, sab, probeText } = workerData;
  const send = (t) => {
    const dec = new TextDecoder();
    return { isatty: true, write: (b) => { parentPort.postMessage({ t, s: dec.decode(b) }); return b.length; } };
  };
  let py;
  try {
    const { loadPyodide } = await import(pathToFileURL(path.join(pkg, 'pyodide.mjs')).href);
    py = await loadPyodide({ indexURL: pkg + '/', packages: [], fullStdLib: false });
    py.setStdout(send('o'));
    py.setStderr(send('e'));
    py.setInterruptBuffer(new Int32Array(sab));
    py.FS.mkdirTree('/gcsim');
    py.FS.writeFile('/gcsim/_gcsimprobe.py', probeText);
    py.runPython("import gc, sys\nsys.path.insert(0, '/gcsim')\n_gcsim_threshold = gc.get_threshold()\n");
    py.runPython(RESET);
  } catch (e) {
    parentPort.postMessage({ t: 'error', s: String(e && e.stack || e) });
    process.exit(1);
  }
  parentPort.postMessage({ t: 'ready', version: py.runPython('import sys; sys.version.split()[0]') });
  parentPort.on('message', ({ digest }) => {
    let status = 'ok';
    try {
      py.FS.writeFile('/gcsim/digest', digest);
      const ns = py.toPy({ __name__: '__gcsim__' });
      try {
        py.runPython(PROGRAM, { globals: ns });
      } catch (e) {
        // a Python exception: KeyboardInterrupt is the timeout's interrupt
        status = /KeyboardInterrupt/.test(String(e)) ? 'timeout' : 'error';
        parentPort.postMessage({ t: 'e', s: String(e.message || e) });
      } finally {
        ns.destroy();
      }
      py.runPython(RESET);
    } catch (e) {
      parentPort.postMessage({ t: 'fatal', s: String(e && e.stack || e) });
      return;
    }
    parentPort.postMessage({ t: 'done', status });
  });
}

function lastLine(s) {
  const lines = String(s).trim().split('\n').filter((l) => l.trim());
  return lines.length ? lines[lines.length - 1].trim().slice(0, 300) : '';
}
