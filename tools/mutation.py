#!/usr/bin/env python3
"""Mutation testing for coro's headers: do the tests notice a wrong line?

Lists candidate mutants in the function bodies of each header (comments,
strings, preprocessor lines and the arguments of CORO_ASSERT / trace calls are
skipped), samples N of them with a fixed seed, drops those whose object code
is identical to the original's (equivalent by construction) or that do not
compile warning-free (invalid), and runs the rest against the unit suites and
the examples diff, each in a scratch copy of the tree, with a timeout per suite
(a hang counts as killed); a survivor is tried once more on the suites built
with ASan+UBSan (as `make sanitize` in `make test` would), unless --no-sanitize.

  tools/mutation.py --list                      every candidate, one a line
  tools/mutation.py -n 160 --seed 1 --jobs 2    the sampled run (make mutation)
  tools/mutation.py --only FILE                 re-test only the mutants listed in FILE
                                                (the survivors file a run writes, by default)

A mutant is named by its key `header | function | original line | mutated
line` (both lines stripped), never by a line number, so the sample and the
list of equivalents survive code motion. The sample is drawn by line, without
the function: the N lines-and-mutations `header | original line | mutated
line` with the smallest sha256(seed | that), each with every candidate of it,
so a reordered or re-indented header gives the same sample (an edited line
changes only its own mutants and, at the margin, which make the first N). The
report still gives each survivor's file:line. A file of keys (--only, the
list of equivalents) may also name a line without its function: that covers
every place of the line.

Operators: relational (< <= > >= == !=), logical (&& ||), a condition negated
(if/while), an integer constant moved by one, a call or assignment statement
deleted, a return value replaced by 0. A survivor judged equivalent is listed in
tests/mutation-equivalent.txt as `header | function | original line | mutated line | reason`;
the run fails when a survivor is neither killed nor listed there. Each run
writes its unlisted survivors, one key a line, to build/mutation-survivors.txt
(--survivors), the file --only reads by default.
"""
import argparse, hashlib, os, re, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

HEADERS = ["coro.h", "coro_sync.h", "coro_queue.h"]
SKIP_CALLS = {"CORO_ASSERT", "CORO__TRACE", "CORO_TRACE", "CORO_REQUIRE"}
# Memory-ordering statements are not deleted: without one, only a race on a
# weakly ordered or multi-core machine differs, which no deterministic test
# can show (the ring and flag thread and signal tests exercise them).
SKIP_DELETE = {"CORO_FENCE", "CORO_CRITICAL_ENTER", "CORO_CRITICAL_EXIT"}
# What runs against a mutant of each header, cheapest and most likely to kill first.
CORE = ["test_core_continuations", "test_core_tasks", "test_core_loop", "test_core_timers",
        "test_core_compose", "test_core_timeouts", "test_core_api", "test_core_scopes", "test_core_taskgroup"]
SYNC = ["test_sync_lock", "test_sync_event", "test_sync_condition", "test_sync_semaphore",
        "test_sync_flag", "test_sync_api", "test_sync_future", "test_sync_barrier"]
QUEUE = ["test_queue_fifo", "test_queue_priority", "test_queue_join", "test_queue_ring"]
SUITES = {
    "coro.h": CORE + ["test_loop", "test_hostile"] + SYNC + QUEUE + ["test_trace", "test_awaitable", "test_misuse"],
    "coro_sync.h": SYNC + ["test_hostile", "test_trace", "test_misuse"],
    "coro_queue.h": QUEUE + ["test_hostile", "test_trace"],
}
# The project's warnings: a mutant they refuse (an unused variable left by a
# deleted statement) is invalid, not killed: no test had to notice it.
SAN = "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"  # the Makefile's SAN
WARN = ["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wshadow", "-Wimplicit-fallthrough"]
TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<number>\b(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<op>&&|\|\||<<=|>>=|<<|>>|<=|>=|==|!=|->|\+\+|--|[-+*/%&|^!=<>]=?|[(){}\[\];,?:.~])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.S | re.X)


def tokens(text):
    """(kind, text, offset) for every token, preprocessor lines as one token."""
    out, pos, n = [], 0, len(text)
    while pos < n:
        line_start = pos == 0 or text[pos - 1] == "\n"
        if line_start:
            m = re.match(r"[ \t]*#(?:[^\n\\]|\\.)*", text[pos:], re.S)
            if m:
                out.append(("pp", m.group(0), pos))
                pos += len(m.group(0))
                continue
        m = TOKEN.match(text, pos)
        kind = m.lastgroup
        if kind != "space":
            out.append((kind, m.group(0), pos))
        pos = m.end()
    return out


def candidates(path):
    """Mutants of one header: (offset, length, replacement, description)."""
    text = open(path).read()
    toks, cxx = [], False
    for t in tokens(text):  # drop comments and the `extern "C" {` ... `}` of C++ builds
        if t[0] == "pp" and re.match(r"\s*#\s*ifdef\s+__cplusplus", t[1]):
            cxx = True
        elif t[0] == "pp" and cxx and re.match(r"\s*#\s*endif", t[1]):
            cxx = False
        elif t[0] != "comment" and not cxx:
            toks.append(t)
    muts, depth, in_fn, prev, skip_depth = [], 0, False, None, None
    paren_stack, decl, fn = [], None, ""
    for i, (kind, tok, off) in enumerate(toks):
        if kind == "pp":
            prev = None
            continue
        if depth == 0 and tok == "(" and not paren_stack and decl is None and toks[i - 1][0] == "ident":
            decl = toks[i - 1][1]  # the name a definition at file level declares
        elif depth == 0 and tok in (";", "}"):
            decl = None
        if tok == "{":
            if depth == 0 and prev == ")":
                in_fn, fn = True, decl or "?"
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                in_fn, decl = False, None
        if tok == "(":
            name = toks[i - 1][1] if i else ""
            paren_stack.append(name)
            if name in SKIP_CALLS and skip_depth is None:
                skip_depth = len(paren_stack)
        elif tok == ")":
            if skip_depth == len(paren_stack):
                skip_depth = None
            if paren_stack:
                paren_stack.pop()
        prev = tok
        if not in_fn or skip_depth is not None or kind in ("string",):
            continue
        swap = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "&&": "||", "||": "&&"}
        if kind == "op" and tok in swap and toks[i - 1][1] != "operator":
            muts.append(((off, len(tok), swap[tok], "%s -> %s" % (tok, swap[tok])), fn))
        elif kind == "number":
            v = int(re.match(r"0[xX][0-9a-fA-F]+|\d+", tok).group(0), 0)
            suffix = re.sub(r"^(0[xX][0-9a-fA-F]+|\d+)", "", tok)
            muts.append(((off, len(tok), "%d%s" % (v + 1, suffix), "%s -> %d" % (tok, v + 1)), fn))
            if v > 0:
                muts.append(((off, len(tok), "%d%s" % (v - 1, suffix), "%s -> %d" % (tok, v - 1)), fn))
        elif kind == "ident" and tok in ("if", "while") and toks[i + 1][1] == "(":
            j, d = i + 1, 0
            while True:
                d += toks[j][1] == "("
                d -= toks[j][1] == ")"
                if d == 0:
                    break
                j += 1
            a, b = toks[i + 1][2] + 1, toks[j][2]
            muts.append(((a, b - a, "!(" + text[a:b] + ")", "%s condition negated" % tok), fn))
        elif kind == "ident" and tok == "return" and toks[i + 1][1] != ";":
            j = i + 1
            while toks[j][1] != ";":
                j += 1
            a, b = toks[i + 1][2], toks[j][2]
            if text[a:b].strip() not in ("0", "CORO_OK", "NULL"):
                muts.append(((a, b - a, "0", "return value -> 0"), fn))
        # a statement that is a call or an assignment, alone on its line
        if kind == "ident" and prev_is_stmt_start(toks, i) and tok not in (
                "return", "break", "continue", "goto", "if", "while", "for", "do", "switch", "case", "default",
                "else", "const", "static", "unsigned", "signed", "struct", "int", "char", "void", "long"):
            j = i
            while toks[j][1] != ";" and toks[j][1] not in ("{", "}"):
                j += 1
            stmt = text[off:toks[j][2] + 1]
            is_decl = re.match(r"[A-Za-z_]\w*\s*\**\s+\**[A-Za-z_]", stmt) is not None
            if toks[j][1] == ";" and "\n" not in stmt and not is_decl and tok not in SKIP_DELETE and \
                    (re.search(r"[^=!<>]=[^=]|\+\+|--", stmt) or re.match(r"[A-Za-z_]\w*\s*\(", stmt)):
                muts.append(((off, len(stmt), "(void)0;", "statement deleted"), fn))
    return text, [m + (f,) for m, f in muts]


def prev_is_stmt_start(toks, i):
    return i > 0 and toks[i - 1][1] in (";", "{", "}", ")", "else")


def describe(text, m):
    off, n, rep, what = m[:4]
    ls = text.rfind("\n", 0, off) + 1
    le = text.find("\n", off)
    line = text.count("\n", 0, off) + 1
    return line, text[ls:le].strip(), (text[ls:off] + rep + text[off + n:le]).strip(), what


def lkey(header, text, m):
    """What the sample is drawn by: header | original line | mutated line."""
    line, orig, new, what = describe(text, m)
    return "%s | %s | %s" % (header, orig, new)


def key(header, text, m):
    """The stable name of a mutant: header | function | original line | mutated
    line (the function tells apart the same line in two places)."""
    line, orig, new, what = describe(text, m)
    return "%s | %s | %s | %s" % (header, m[4], orig, new)


def rank(seed, k):
    return hashlib.sha256(("%d | %s" % (seed, k)).encode()).hexdigest()


def read_keys(path, known):
    """Keys from a file of `header | function | original line | mutated line [| reason]` lines.

    A line of C may itself hold ` | `, so a file line is matched against the
    known keys (every candidate's): its longest prefix, up to a ` | `, that is
    one. A line that names no candidate (its line was edited) is reported."""
    keys = set()
    for ln in open(path):
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        cuts = [i for i in range(len(ln)) if ln.startswith(" | ", i)] + [len(ln)]
        hit = [ln[:i] for i in cuts if ln[:i] in known]
        if hit:
            keys.add(hit[-1])
        else:
            print("mutation: %s: not a candidate any more (stale entry): %s" % (path, ln), file=sys.stderr)
    return keys


def objdump(tree, hdr_text=None, header=None):
    """Disassembly of every header's functions (static inline ones kept)."""
    d = tempfile.mkdtemp(prefix="mutobj-")
    for h in HEADERS:
        shutil.copy(os.path.join(tree, h), d)
    if header:
        open(os.path.join(d, header), "w").write(hdr_text)
    src = os.path.join(d, "all.c")
    open(src, "w").write('#define CORO_IMPLEMENTATION\n#define CORO_CLOCK CORO_CLOCK_VIRTUAL\n'
                         '#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\n')
    obj = os.path.join(d, "all.o")
    r = subprocess.run(["gcc", "-std=c99", "-O0", "-fkeep-inline-functions", "-D_POSIX_C_SOURCE=200809L"] + WARN +
                       ["-I", d, "-c", src, "-o", obj], capture_output=True)
    out = None
    if r.returncode == 0:
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj], capture_output=True, text=True).stdout
        out = out.split("\n", 3)[-1]
    shutil.rmtree(d)
    return out


def reap(d):
    """Kill what a timed-out run left behind in work dir d (Criterion's
    workers sit in their own process groups): by pid, found in /proc."""
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.readlink("/proc/%s/exe" % pid).startswith(d + "/"):
                    os.kill(int(pid), 9)
            except OSError:
                pass


def run_suites(d, header, timeout, bdir, cflags, tag=""):
    """Build and run the suites of header in work dir d: None, or why not."""
    for suite in SUITES[header]:
        if not os.path.exists(os.path.join(d, "tests", suite + ".c")):
            continue
        b = subprocess.run(["make", "-s", "B=" + bdir, "CFLAGS=" + cflags, bdir + "/tests/" + suite],
                           cwd=d, capture_output=True, timeout=10 * timeout)
        if b.returncode:  # a warning the object-code check missed: not a test's kill
            return "invalid (build of %s fails)" % suite
        r = subprocess.run(["./%s/tests/%s" % (bdir, suite), "--jobs", "1", "--fail-fast"],
                           cwd=d, capture_output=True, timeout=timeout,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
        if r.returncode:
            return "killed by " + suite + tag
    return None


def run_mutant(root, header, text, timeout, jobs_dir, sanitize):
    """None if the mutant survived, else why not. Builds get a generous limit
    (10 x timeout: a slow build on a loaded machine is no kill); a suite gets
    `timeout` seconds (a hang is a kill; Criterion's own --timeout does not
    stop a worker spinning in the virtual clock's idle) and stops at its first
    failure. A survivor of the plain suites and the examples is tried once
    more on the suites built with ASan+UBSan (make sanitize, part of make
    test, would catch what they catch: an overrun, an overflow)."""
    d = jobs_dir
    open(os.path.join(d, header), "w").write(text)
    try:
        why = run_suites(d, header, timeout, "build-mut", "-O0")
        if why:
            return why
        r = subprocess.run(["make", "-s", "B=build-mut", "CFLAGS=-O0", "check-examples"], cwd=d,
                           capture_output=True, timeout=10 * timeout)
        if r.returncode:
            return "killed by the examples"
        if sanitize:
            return run_suites(d, header, timeout, "build-mut-san", "-O0 " + SAN, " under ASan+UBSan")
    except subprocess.TimeoutExpired:
        reap(d)
        return "killed (timeout)"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=160)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=60, help="seconds per suite run (a hang is a kill)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--no-sanitize", action="store_true",
                    help="do not retry the survivors of the plain suites on ASan+UBSan builds")
    ap.add_argument("--equivalent", default="tests/mutation-equivalent.txt")
    ap.add_argument("--survivors", default="build/mutation-survivors.txt",
                    help="where the keys of the unlisted survivors are written")
    ap.add_argument("--only", nargs="?", const="build/mutation-survivors.txt", metavar="FILE",
                    help="re-test only the candidates whose key is in FILE (default: the survivors file)")
    a = ap.parse_args()
    root = os.getcwd()
    pool = []
    for h in HEADERS:
        text, muts = candidates(h)
        for m in muts:
            pool.append((h, text, m))
    if a.list:
        for h, text, m in pool:
            line, orig, new, what = describe(text, m)
            print("%s:%d: %s: %s | %s" % (h, line, m[4], what, new))
        print("%d candidates" % len(pool), file=sys.stderr)
        return 0
    known = set(key(*p) for p in pool) | set(lkey(*p) for p in pool)
    if a.only:  # a key with or without the function: the latter names every place of that line
        only = read_keys(a.only, known)
        sample = [p for p in pool if key(*p) in only or lkey(*p) in only]
    else:
        lines = set(lkey(*p) for p in pool)
        chosen = set(sorted(lines, key=lambda k: rank(a.seed, k))[:a.n])
        sample = [p for p in pool if lkey(*p) in chosen]
    sample.sort(key=lambda p: (HEADERS.index(p[0]), p[2][0]))
    equivalent = read_keys(a.equivalent, known) if os.path.exists(a.equivalent) else set()
    base = objdump(root)
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True).stdout.split()
    work = [tempfile.mkdtemp(prefix="mut-") for _ in range(a.jobs)]
    for w in work:
        for f in files:
            if os.path.isfile(f):
                os.makedirs(os.path.join(w, os.path.dirname(f)), exist_ok=True)
                shutil.copy2(f, os.path.join(w, f))
    t0 = time.time()
    results, todo = [], []
    def mutate(p):
        h, text, m = p
        mtext = text[:m[0]] + m[2] + text[m[0] + m[1]:]
        return mtext, objdump(root, mtext, h)
    with ThreadPoolExecutor(a.jobs) as ex:
        codes = list(ex.map(mutate, sample))
    for (h, text, m), (mtext, code) in zip(sample, codes):
        if code is None:
            results.append((h, text, m, "invalid (does not compile)"))
        elif code == base:
            results.append((h, text, m, "equivalent (same object code)"))
        else:
            todo.append((h, text, m, mtext))
    free = list(work)

    def job(item):
        h, text, m, mtext = item
        d = free.pop()
        try:
            return (h, text, m, run_mutant(root, h, mtext, a.timeout, d, not a.no_sanitize))
        finally:
            open(os.path.join(d, h), "w").write(text)
            free.append(d)
    with ThreadPoolExecutor(a.jobs) as ex:
        for i, r in enumerate(ex.map(job, todo)):
            results.append(r)
            print("mutation: %d/%d %s" % (i + 1, len(todo), r[3] or "SURVIVED"), file=sys.stderr, flush=True)
    for w in work:
        shutil.rmtree(w)
    fail, unlisted = 0, []
    print("mutation: %s, %d sampled of %d candidates, %.0f s" % (
        "only the %d keys of %s" % (len(only), a.only) if a.only else "seed %d" % a.seed,
        len(sample), len(pool), time.time() - t0))
    for h in HEADERS:
        rs = [r for r in results if r[0] == h]
        valid = [r for r in rs if not r[3] or r[3].startswith("killed")]
        killed = [r for r in valid if r[3]]
        surv = [r for r in valid if not r[3]]
        listed = [r for r in surv if key(h, r[1], r[2]) in equivalent or lkey(h, r[1], r[2]) in equivalent]
        nonequiv = len(valid) - len(listed)
        score = 100.0 * len(killed) / nonequiv if nonequiv else 100.0
        print("%-13s killed %3d of %3d valid (%d equivalent by object code, %d invalid, %d survivors listed "
              "as equivalent): %.1f%% of non-equivalent" % (h, len(killed), len(valid),
              sum(1 for r in rs if r[3] and r[3].startswith("equivalent")),
              sum(1 for r in rs if r[3] and r[3].startswith("invalid")), len(listed), score))
        for r in surv:
            line, orig, new, what = describe(r[1], r[2])
            tag = "equivalent (listed)" if r in listed else "SURVIVED"
            if r not in listed:
                fail = 1
                unlisted.append(key(h, r[1], r[2]))
            print("  %s %s:%d: %s\n      %s\n   -> %s" % (tag, h, line, what, orig, new))
    if a.survivors:
        os.makedirs(os.path.dirname(a.survivors) or ".", exist_ok=True)
        with open(a.survivors, "w") as f:
            f.write("".join(k + "\n" for k in unlisted))
        print("mutation: %d unlisted survivors written to %s" % (len(unlisted), a.survivors))
    return fail


if __name__ == "__main__":
    sys.exit(main())
