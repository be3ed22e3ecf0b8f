"""Measures prompt variants for the repair sampler's REPLACEMENT candidates (bench/agent/TASKS_context.md).

For every task of bench/agent/tasks whose solution changes one line (and any extra place given
as NAME=DIR:FILE:LINE), asks the model N times per variant with the sampler's settings
(temperature 1.0, 48 tokens, the sampler's answer clean-up), puts each candidate in place of
the line in a temporary copy of the task and runs the task's own verify. Counts samples with a
candidate that makes every verify command pass.

    OPENAI_BASE_URL=... python3 bench/agent/replace_prompts.py N A,C [NAME,...] [NAME=DIR:FILE:LINE ...]

Variants: A = goal + line (the sampler's prompt before 2026-12-04); C = A with the three lines
before the line (`Code:`), examples too (the sampler's prompt since).
"""
import json, os, re, shutil, subprocess, sys, tempfile, urllib.request, concurrent.futures as cf
BASE = os.environ["OPENAI_BASE_URL"]; MODEL = os.environ.get("LOOP_LOCAL_MODEL", "smollm2-135m")
N = int(sys.argv[1]); VARIANTS = sys.argv[2].split(",")
EXTRA = [a for a in sys.argv[3:] if "=" in a]
ONLY = next((a.split(",") for a in sys.argv[3:] if "=" not in a), None)
T = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tasks")

def chat(messages, seed):
    body = json.dumps({"model": MODEL, "messages": messages, "temperature": 1.0, "seed": seed, "max_tokens": 48}).encode()
    req = urllib.request.Request(BASE + "/chat/completions", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=300))["choices"][0]["message"]["content"]

def clean(raw, original):
    t = raw.strip()
    if t.startswith("```"): return None
    for label in ["Fixed line:", "Line:", "Fix:", "Answer:"]:
        if t.lower().startswith(label.lower()): t = t[len(label):].strip()
    for q in ["`", '"', "'"]:
        if len(t) >= 2 and t.startswith(q) and t.endswith(q) and not original.startswith(q): t = t[1:-1].strip()
    return t or None

def lev(a, b):
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j-1] + 1, prev[j-1] + (a[i-1] != b[j-1]))
        prev = cur
    return prev[-1]

def candidates(reply, original):
    indent = original[:len(original) - len(original.lstrip(" \t"))]; bare = original.strip(); found = []
    for raw in reply.split("\n"):
        t = clean(raw, bare)
        if not t or t == bare: continue
        limit = max(2, len(bare) // 2)
        if abs(len(t) - len(bare)) > limit or lev(t, bare) > limit: continue
        line = indent + t
        if line not in found: found.append(line)
        if len(found) == 2: break
    return found

def ask(variant, goal, line, ctx):
    if variant == "C" and ctx:
        return "Goal: %s\nCode:\n%s\nLine: %s\nWrite the fixed line." % (goal, ctx, line)
    return "Goal: %s\nLine: %s\nWrite the fixed line." % (goal, line)

def messages(variant, goal, line, ctx):
    m = [{"role": "system", "content": "You fix one line of code. Reply with the fixed line only."}]
    ex = [("MAX_USERS must be 50, not 5.", "MAX_USERS = 5", "# limits\nTIMEOUT = 30", "MAX_USERS = 50"),
          ("greet() must return 'hello' instead of 'hi'.", "    return 'hi'", "def greet():", "    return 'hello'")]
    for g, l, c, a in ex:
        m += [{"role": "user", "content": ask(variant, g, l, c)}, {"role": "assistant", "content": a}]
    return m + [{"role": "user", "content": ask(variant, goal[:600], line, ctx)}]

def passes(taskdir, path, content, verify):
    d = tempfile.mkdtemp()
    try:
        shutil.copytree(taskdir, d, dirs_exist_ok=True)
        open(os.path.join(d, path), "w").write(content)
        for cmd in verify:
            try:
                r = subprocess.run(["bash", "-c", cmd], cwd=d, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                return False
            if r.returncode: return False
        return True
    finally:
        shutil.rmtree(d)

def places():
    out = []
    for t in sorted(os.listdir(T)):
        p = os.path.join(T, t, "solution.patch")
        if not os.path.exists(p): continue
        patch = open(p).read()
        if len(re.findall(r"^[-+][^-+]", patch, re.M)) != 2: continue
        path = re.search(r"^\+\+\+ b/(.*)$", patch, re.M).group(1)
        old = re.search(r"^-([^-].*)$", patch, re.M).group(1)
        lines = open(os.path.join(T, t, path)).read().split("\n")
        out.append((t, os.path.join(T, t), path, lines.index(old) + 1))
    for extra in EXTRA:
        name, place = extra.split("=", 1)
        folder, path, line = place.rsplit(":", 2)
        out.append((name, os.path.abspath(folder), path, int(line)))
    extras = {e.split("=", 1)[0] for e in EXTRA}
    return [p for p in out if not ONLY or p[0] in ONLY or p[0] in extras]

def run(variant, place):
    name, tdir, path, n = place
    c = json.load(open(os.path.join(tdir, "task_card.json")))
    lines = open(os.path.join(tdir, path)).read().split("\n")
    line = lines[n - 1]; ctx = "\n".join(l for l in lines[max(0, n - 4):n - 1])
    hits = 0; shown = []
    for i in range(N):
        reply = chat(messages(variant, c["goal"], line, ctx), 1000 + i)
        ok = False
        for cand in candidates(reply, line):
            changed = lines[:]; changed[n - 1] = cand
            if passes(tdir, path, "\n".join(changed), c["verify"]): ok = True; break
        hits += ok
        if ok and len(shown) < 2: shown.append(reply.replace("\n", " ⏎ ")[:60])
    return variant, name, hits, shown

with cf.ThreadPoolExecutor(4) as pool:
    futs = [pool.submit(run, v, p) for p in places() for v in VARIANTS]
    for f in futs:
        v, name, hits, shown = f.result()
        print("%s | %-18s | %2d/%d | %s" % (v, name, hits, N, shown), flush=True)
