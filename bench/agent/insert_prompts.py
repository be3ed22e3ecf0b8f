"""Measures prompt variants for the repair sampler's NEW-line candidates (bench/agent/TASKS_insert.md).

For a few fixed places (the line a new line should go after) in the tasks that need a new line
and in examples/hello (the `loop demo` task), asks the model N times per variant with the
sampler's settings (temperature 1.0, 48 tokens), inserts each candidate there in a temporary
copy of the task, and runs the task's own verify. Counts samples whose candidate makes verify
pass as one line (the sampler's candidates) or as the whole reply (a block), and samples that
make more of a test script's `pass:` lines appear.

    OPENAI_BASE_URL=... python3 bench/agent/insert_prompts.py N A,B,C

Variants: A = the sampler's prompt (two worked examples, `After: <line>`); B = A without the
examples; C = A with the three lines before the place (`Code:`) instead of one line.
"""
import json, os, re, shutil, subprocess, sys, tempfile, urllib.request, concurrent.futures as cf
BASE = os.environ["OPENAI_BASE_URL"]; MODEL = os.environ.get("LOOP_LOCAL_MODEL", "smollm2-135m")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10

def chat(messages, seed):
    body = json.dumps({"model": MODEL, "messages": messages, "temperature": 1.0, "seed": seed, "max_tokens": 48}).encode()
    req = urllib.request.Request(BASE + "/chat/completions", body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=120))["choices"][0]["message"]["content"]

def clean(raw):
    t = raw.strip()
    if t.startswith("```"): return None
    for label in ["Fixed line:", "Line:", "Fix:", "Answer:", "New line:"]:
        if t.lower().startswith(label.lower()): t = t[len(label):].strip()
    for q in ["`", '"', "'"]:
        if len(t) >= 2 and t.startswith(q) and t.endswith(q): t = t[1:-1].strip()
    return t or None

def new_lines(reply, indent, existing):
    present = {l.strip() for l in existing}; found = []
    for raw in reply.split("\n"):
        t = clean(raw)
        if not t or len(t) > 200 or t in present: continue
        own = raw[:len(raw) - len(raw.lstrip(" \t"))]
        line = (own if len(own) > len(indent) else indent) + t
        if line not in found: found.append(line)
        if len(found) == 2: break
    return found

def block(reply, indent, existing):
    """the whole reply (up to 4 code lines) as one block"""
    lines = [l for l in reply.split("\n") if l.strip() and not l.strip().startswith("```")][:4]
    if not lines: return []
    base = min(len(l) - len(l.lstrip(" \t")) for l in lines)
    return ["\n".join(indent + l[base:] for l in lines)]

def ex(goal, after, variant, ctx):
    if variant == "C": return "Goal: %s\nCode:\n%s\nWrite the missing line that goes after the last line." % (goal, ctx)
    return "Goal: %s\nAfter: %s\nWrite the missing line that goes after it." % (goal, after if after is not None else "(start of file)")

def messages(variant, goal, after, ctx):
    sysmsg = {"role": "system", "content": "You add one missing line of code. Reply with the new line only."}
    shots = [] if variant == "B" else [
        {"role": "user", "content": ex("app.py must import json.", "import os", variant, "import os")},
        {"role": "assistant", "content": "import json"},
        {"role": "user", "content": ex("total() must skip None values.", "    for v in values:", variant, "def total(values):\n    s = 0\n    for v in values:")},
        {"role": "assistant", "content": "        if v is None: continue"}]
    return [sysmsg] + shots + [{"role": "user", "content": ex(goal[:600], after, variant, ctx)}]

def verify_score(taskdir, path, content, verify):
    d = tempfile.mkdtemp()
    try:
        shutil.copytree(taskdir, d, dirs_exist_ok=True)
        open(os.path.join(d, path), "w").write(content)
        ok = 0; passes = 0
        for cmd in verify:
            try:
                r = subprocess.run(["bash", "-c", cmd], cwd=d, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                class R: returncode = 1; stdout = ""
                r = R()
            ok += r.returncode == 0
            passes += len(re.findall(r"^(pass:|\d+ passed)", r.stdout, re.M))
            m = re.search(r"(\d+) passed", r.stdout); 
        return ok, len(verify), r.stdout
    finally:
        shutil.rmtree(d)

def card(taskdir):
    return json.load(open(os.path.join(taskdir, "task_card.json")))

PLACES = [
    ("missing-import", "bench/agent/tasks/missing-import", "paths.py", 1, ""),
    ("missing-function", "bench/agent/tasks/missing-function", "mathutil.py", 6, ""),
    ("shell-flag", "bench/agent/tasks/shell-flag", "say.sh", 5, ""),
    ("demo", "examples/hello", "greet.sh", 3, ""),
]

def run_place(variant, place):
    name, tdir, path, after_line, indent = place
    taskdir = os.path.join(ROOT, tdir); c = card(taskdir)
    goal = c["goal"]
    lines = open(os.path.join(taskdir, path)).read().split("\n")
    after = lines[after_line - 1] if after_line > 0 else None
    ctx = "\n".join(lines[max(0, after_line - 3):after_line])
    hits_line = hits_block = better = 0; shown = []
    base_ok, total, base_out = verify_score(taskdir, path, "\n".join(lines), c["verify"])
    base_pass = len(re.findall(r"^pass:", base_out, re.M))
    for i in range(N):
        reply = chat(messages(variant, goal, after, ctx), seed=1000 + i)
        shown.append(reply.replace("\n", " ⏎ ")[:80])
        got_line = got_block = got_better = False
        for kind, cands in (("line", new_lines(reply, indent, lines)), ("block", block(reply, indent, lines))):
            for cand in cands:
                changed = lines[:after_line] + cand.split("\n") + lines[after_line:]
                ok, total, out = verify_score(taskdir, path, "\n".join(changed), c["verify"])
                if ok == total:
                    if kind == "line": got_line = True
                    else: got_block = True
                if len(re.findall(r"^pass:", out, re.M)) > base_pass: got_better = True
        hits_line += got_line; hits_block += got_block; better += got_better
    return (variant, name, after_line, hits_line, hits_block, better, shown[:4])

with cf.ThreadPoolExecutor(6) as pool:
    futs = [pool.submit(run_place, v, p) for v in sys.argv[2].split(",") for p in PLACES]
    for f in futs:
        v, name, at, hl, hb, b, shown = f.result()
        print("%s | %s after %d | solved by one line %d/%d | by the reply as a block %d/%d | more checks pass %d/%d | e.g. %s" % (v, name, at, hl, N, hb, N, b, N, shown), flush=True)
