#!/usr/bin/env python3
"""apidoc.py - the API reference (docs/API.md) from the headers' own comments.

    python3 tools/apidoc.py coro.h coro_sync.h coro_queue.h > docs/API.md

For each header: its one-line purpose, the CONFIGURATION and RULES sections
of its opening guide, then every public declaration of its interface part
(between the include guard and the implementation), grouped under the
header's own `/* ---- section ---- */` markers, each group with the comment
written just above it. Private names (coro__*, CORO__*) and the knob
defaults are left out. `make trace-check` regenerates the file and fails if
docs/API.md differs, so the reference cannot drift from the headers.
Standard library only.
"""
import re
import sys

PRIVATE = re.compile(r"^(coro__|CORO__)")
SKIP_SECTIONS = ("private", "configuration")


def guide_of(lines):
    """The opening comment, without its frame."""
    out = []
    for ln in lines:
        s = ln.rstrip("\n")
        out.append(s)
        if s.rstrip().endswith("*/"):
            break
    text = []
    for s in out:
        s = s.strip()
        if s.startswith("/*"):
            s = s[2:]
        if s.endswith("*/"):
            s = s[:-2]
        if s.startswith("* ") or s == "*":
            s = s[2:]
        text.append(s.rstrip())
    return text, len(out)


def guide_sections(text):
    """Split the guide into its CAPS sections."""
    title = []
    secs = {}
    cur = None
    for s in text:
        m = re.match(r"^([A-Z][A-Z ]+[A-Z])(\s*\(.*\))?\s*$", s.strip())
        if m and s == s.lstrip():
            cur = m.group(1)
            secs[cur] = []
            continue
        if cur is None:
            title.append(s)
        else:
            secs[cur].append(s)
    for k in secs:
        while secs[k] and not secs[k][-1].strip():
            secs[k].pop()
    return title, secs


def comment_text(block):
    out = []
    for s in block:
        s = s.strip()
        if s.startswith("/*"):
            s = s[2:]
        if s.endswith("*/"):
            s = s[:-2]
        s = s.strip()
        if s.startswith("* ") or s == "*":
            s = s[1:].strip()
        out.append(s)
    return " ".join(x for x in out if x).strip()


def decl_name(sig):
    """The name a declaration introduces (or None)."""
    m = re.match(r"#\s*define\s+(\w+)", sig)
    if m:
        return m.group(1)
    m = re.match(r"typedef\s+(?:struct|union|enum)\s*\w*\s*\{.*\}\s*(\w+)\s*;", sig, re.S)
    if m:
        return m.group(1)
    m = re.match(r"typedef\s+.*?\(\s*\*\s*(\w+)\s*\)", sig, re.S)
    if m:
        return m.group(1)
    m = re.match(r"typedef\s+.*\b(\w+)\s*;", sig, re.S)
    if m:
        return m.group(1)
    if sig.startswith("enum"):
        names = re.findall(r"\b(CORO_[A-Z0-9_]+)\b\s*(?:=|,|\})", sig)
        return names[0] if names else None
    m = re.search(r"(\w+)\s*\(", sig)
    if m:
        return m.group(1)
    m = re.search(r"(\w+)\s*;", sig)
    return m.group(1) if m else None


def parse_header(path):
    lines = open(path).read().split("\n")
    text, n = guide_of(lines)
    title, secs = guide_sections(text)
    body = lines[n:]
    end = next((i for i, s in enumerate(body) if re.match(r"#endif\s*/\*\s*CORO\w*_H\s*\*/", s)), len(body))
    body = body[:end]
    guard = None
    items = []          # ("section", title) | ("entry", doc, [sigs]) | ("note", text)
    comment = []
    group = None
    section_skip = False
    seen = set()
    knobs = set(re.findall(r"^#\s*ifndef\s+(\w+)", "\n".join(body), re.M))
    i = 0

    def close():
        nonlocal group
        if group is not None and group[2]:
            items.append(("entry", group[1], group[2]))
        group = None

    while i < len(body):
        s = body[i]
        st = s.strip()
        if st.startswith("/*"):
            blk = [s]
            while not blk[-1].rstrip().endswith("*/"):
                i += 1
                blk.append(body[i])
            i += 1
            close()
            m = re.match(r"/\*\s*-{3,}\s*(.*?)\s*-*\s*\*/$", " ".join(x.strip() for x in blk))
            if m:
                name = re.sub(r"-{3,}.*$", "", m.group(1)).strip()
                section_skip = any(k in name.lower() for k in SKIP_SECTIONS)
                if not section_skip:
                    items.append(("section", name))
                comment = []
            else:
                comment = blk
            continue
        if not st:
            close()
            if comment and not section_skip and i + 1 < len(body) and not body[i + 1].strip().startswith("/*"):
                pass
            comment = []
            i += 1
            continue
        # Preprocessor conditionals: remember #ifndef X (a knob default follows).
        m = re.match(r"#\s*(ifndef|ifdef|if|elif|else|endif)\b\s*(\w*)", st)
        if m:
            if guard is None and m.group(1) == "ifndef":
                guard = m.group(2)
            while body[i].rstrip().endswith("\\"):
                i += 1
            i += 1
            continue
        if st.startswith('extern "C"') or st == "}":
            i += 1
            continue
        # One declaration: a #define (with continuations), a braced type, a
        # prototype (up to ;) or an inline function (its body skipped).
        start = i
        if st.startswith("#"):
            while body[i].rstrip().endswith("\\"):
                i += 1
            raw = body[start:i + 1]
            i += 1
            head = raw[0].rstrip("\\").rstrip()
            sig = head
            mdef = re.match(r"#\s*define\s+(\w+(\([^)]*\))?)(\s+.*)?$", head)
            if mdef:
                nm = re.match(r"\w+", mdef.group(1)).group(0)
                val = (mdef.group(3) or "").strip()
                if not mdef.group(2) and len(raw) == 1 and val and len(val) < 60:
                    sig = "#define %s %s" % (mdef.group(1), val) if val else "#define %s" % mdef.group(1)
                else:
                    sig = "#define %s" % mdef.group(1)
                if nm == guard or nm in knobs:
                    continue
            elif not st.startswith("#define"):
                continue  # #include, #error, _Pragma ...
        else:
            depth = 0
            buf = []
            while True:
                t = body[i]
                buf.append(t)
                depth += t.count("{") - t.count("}")
                i += 1
                if depth <= 0 and (t.rstrip().endswith(";") or t.rstrip().endswith("}")):
                    break
                if depth == 0 and t.rstrip().endswith(")") and i < len(body) and body[i].strip() == "{":
                    # inline function with its brace on the next line: skip the body
                    d = 0
                    while True:
                        d += body[i].count("{") - body[i].count("}")
                        i += 1
                        if d == 0:
                            break
                    break
            text_ = "\n".join(buf)
            if re.match(r"\s*static\s+inline", text_) and "{" in text_:
                sig = text_[:text_.index("{")].strip()
                sig = re.sub(r"\s+", " ", sig) + ";"
            elif text_.lstrip().startswith(("typedef struct", "typedef union", "enum", "typedef enum")):
                sig = text_.strip()
            elif text_.lstrip().startswith("extern \"C\"") or text_.strip() == "}":
                continue
            else:
                sig = re.sub(r"\s+", " ", text_.strip())
            sig = re.sub(r"^CORO_API\s+", "", sig)
            sig = sig.replace(" CORO__NORETURN", "")
        nm = decl_name(sig)
        if section_skip or nm is None or PRIVATE.match(nm) or nm.startswith("_") or nm in seen:
            continue
        if sig.startswith("enum") and not re.search(r"\bCORO_[A-Z]", sig):
            continue
        seen.add(nm)
        if group is None:
            group = [None, comment_text(comment) if comment else "", []]
            comment = []
        group[2].append(sig)
    close()
    return title, secs, items


def main(paths):
    out = []
    w = out.append
    ver = ""
    for p in paths:
        m = re.search(r'#define CORO_VERSION "([^"]+)"', open(p).read())
        if m:
            ver = m.group(1)
    w("# coro API reference")
    w("")
    w("Generated by `tools/apidoc.py` from the comments in %s%s: do not edit it, edit the"
      % (", ".join("`%s`" % p for p in paths), " (version %s)" % ver if ver else ""))
    w("headers and run `make apidoc` (`make test` fails while this file is out of date).")
    w("UPPER CASE may suspend (an await: it may return from your coroutine); lower case never does.")
    w("The tutorial is [TUTORIAL.md](TUTORIAL.md), the asyncio mapping [CHEATSHEET.md](CHEATSHEET.md).")
    w("")
    w("Contents: " + ", ".join("[%s](#%s)" % (p, re.sub(r"[^a-z0-9_-]", "", p.lower().replace(" ", "-"))) for p in paths))
    for p in paths:
        title, secs, items = parse_header(p)
        w("")
        w("## %s" % p)
        w("")
        first = " ".join(x.strip() for x in title if x.strip())
        first = re.sub(r"\s+v\d+\.\d+\.\d+\b", "", first)
        first = re.sub(r"^\S+\s+-\s+", "", first)
        w(first[0].upper() + first[1:] if first else "")
        for key in ("CONFIGURATION", "RULES"):
            if key in secs and secs[key]:
                w("")
                w("### %s: %s" % (p, key.capitalize()))
                w("")
                w("```text")
                lines = secs[key]
                ind = min((len(s) - len(s.lstrip()) for s in lines if s.strip()), default=0)
                for s in lines:
                    w(s[ind:].rstrip())
                w("```")
        for it in items:
            if it[0] == "section":
                pending = it[1]
                # Emit the heading only if an entry follows before the next section.
                idx = items.index(it)
                nxt = next((x for x in items[idx + 1:] if x[0] in ("entry", "section")), None)
                if nxt is not None and nxt[0] == "entry":
                    w("")
                    w("### %s: %s" % (p, pending[0].upper() + pending[1:]))
            elif it[0] == "entry":
                w("")
                w("```c")
                for sig in it[2]:
                    w(sig)
                w("```")
                if it[1]:
                    w("")
                    w(it[1])
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:] or ["coro.h", "coro_sync.h", "coro_queue.h"])
