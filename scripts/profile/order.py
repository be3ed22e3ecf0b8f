#!/usr/bin/env python3
"""Writes scripts/profile/loop.order: the code `loop` runs, in the order the linker should place it.

Run by scripts/gen-order-file (read it first). Steps, each measured rather than guessed:

1. Link `loop` from the release build's objects (the link command of .build/release.yaml) with a
   linker map, and trace which 4 KiB code pages a 20-round scripted run (the outer PM and every
   round subprocess), `loop status` and `loop --version` touch (pagetrace.c, an LD_PRELOAD).
   Pages hold several functions, so this only names candidates.
2. Link again with the candidates first and 4 KiB of padding after each, so that every page
   belongs to one candidate, and trace the same runs: the candidates touched are now exact, per
   kind of process.
3. Order them: those only a round runs, then those both the round and the PM run, then those
   only the PM runs, then the rest (status, --version). A process then maps one stretch of code.
   Within a group, the original (input) order is kept.

The order file names one symbol per input section (its first); lld moves the whole section.
"""
import bisect
import collections
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, ".build", "order-profile")
OUT = os.path.join(ROOT, "scripts", "profile", "loop.order")
ROUNDS = 20


def say(message):
    print(f"gen-order-file: {message}", file=sys.stderr, flush=True)


def link_args(bin_dir):
    """The release link command of `loop`, from the build manifest SwiftPM wrote."""
    manifest = os.path.join(ROOT, ".build", "release.yaml")
    text = open(manifest).read()
    target = os.path.join(bin_dir, "loop")
    for block in text.split("\n\n"):
        if f'outputs: ["{target}"]' in block and "args:" in block:
            return json.loads(block.split("args:", 1)[1].strip().splitlines()[0])
    sys.exit(f"gen-order-file: no link command for {target} in {manifest}")


def relink(args, output, order=None, extra_objects=()):
    out_index = args.index("-o") + 1
    args = list(args)
    args[out_index] = output
    for n in reversed(range(len(args))):  # drop the committed order (and its -Xlinker)
        if args[n].startswith("--symbol-ordering-file="):
            del args[n - 1:n + 1]
    args += ["-Xlinker", f"-Map={output}.map", "-Xlinker", "--no-demangle"] + list(extra_objects)
    if order:
        args += ["-Xlinker", f"--symbol-ordering-file={order}"]
    subprocess.run(["nice", "-n", "19"] + args, check=True)


def text_sections(map_path):
    """Input sections of .text: [start, size, owner, first symbol], sorted by address."""
    sections = []
    current = None
    line_re = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+ (.*)$")
    with open(map_path) as f:
        next(f)
        for line in f:
            m = line_re.match(line)
            if not m:
                continue
            address, size, rest = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
            indent = len(rest) - len(rest.lstrip(" "))
            name = rest.strip()
            if indent == 0:
                current = name
            elif current != ".text":
                continue
            elif indent == 8:
                sections.append([address, size, name, None])
            elif indent == 16 and sections and sections[-1][3] is None:
                sections[-1][3] = name
    sections.sort()
    return sections


def traced_runs(exe, trace_dir, tracer, attempts=3):
    """Touched code pages per kind of process: {kind: set(page)}.

    The tracer is a blunt tool (a process that has SIGSEGV blocked when it first runs a page dies,
    and now and then a round subprocess of a traced run does), so a failed run is tried again; the
    profile only needs one whole run."""
    for attempt in range(1, attempts + 1):
        pages = traced_run(exe, trace_dir, tracer, last=attempt == attempts)
        if pages is not None:
            return pages
        say(f"  the traced run failed; again ({attempt + 1} of {attempts})")


def traced_run(exe, trace_dir, tracer, last):
    shutil.rmtree(trace_dir, ignore_errors=True)
    os.makedirs(trace_dir)
    repo = os.path.join(WORK, "repo")
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    git = ["git", "-C", repo, "-c", "user.name=profile", "-c", "user.email=profile@localhost"]
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    with open(os.path.join(repo, "a.txt"), "w") as f:
        f.write("a\n")
    subprocess.run(git + ["add", "a.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "init"], check=True)
    subprocess.run(["git", "-C", repo, "config", "user.name", "profile"], check=True)
    subprocess.run(["git", "-C", repo, "config", "user.email", "profile@localhost"], check=True)
    subprocess.run([exe, "init"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
    agents = os.path.join(ROOT, "bench", "agents")
    with open(os.path.join(repo, ".loop", "config.yaml"), "a") as f:
        f.write(f'\n  pw:\n    command: ["{agents}/worker.sh"]\n  pr:\n    command: ["{agents}/reviewer.sh"]\n')
    with open(os.path.join(repo, ".loop", "task_card.json"), "w") as f:
        json.dump({"task_id": "T-1", "goal": "Append a line to a.txt.", "in_scope": ["a.txt"], "out_of_scope": [],
                   "acceptance_criteria": ["a.txt has one more line"], "constraints": []}, f)
    env = dict(os.environ, LD_PRELOAD=tracer, PAGETRACE_EXE=os.path.realpath(exe), PAGETRACE_DIR=trace_dir,
               SWIFT_BACKTRACE="enable=no", BENCH_APPROVE_ROUND=str(ROUNDS))
    env.pop("BENCH_AGENT_LOG", None)
    run = subprocess.run([exe, "run", "--auto-dispatch", "--worker-backend", "pw", "--reviewer-backend", "pr",
                          "--max-rounds", str(ROUNDS), "--dispatch-retry-base-sec", "1"],
                         cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if run.returncode != 0 and not last:
        return None
    if run.returncode != 0:
        sys.exit(f"gen-order-file: the traced run failed ({run.returncode}): {run.stderr.strip()[-500:]}")
    subprocess.run([exe, "status"], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([exe, "--version"], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
    pages = collections.defaultdict(set)
    for name in os.listdir(trace_dir):
        with open(os.path.join(trace_dir, name)) as f:
            argv = f.readline().split()[2:]
            kind = ("round" if "--single-round" in argv else "pm" if argv[:1] == ["run"]
                    else argv[0] if argv else "other")
            pages[kind].update(int(line, 16) for line in f)
    rounds = sum(1 for n in os.listdir(trace_dir) if "--single-round" in open(os.path.join(trace_dir, n)).readline())
    if rounds < ROUNDS or "pm" not in pages:
        sys.exit(f"gen-order-file: traced {rounds} round processes and {'a' if 'pm' in pages else 'no'} PM")
    return pages


def touched(sections, pages):
    """Indexes of the sections that overlap any of `pages`."""
    starts = [s[0] for s in sections]
    found = set()
    for page in pages:
        i = bisect.bisect_right(starts, page + 4095) - 1
        while i >= 0 and sections[i][0] + sections[i][1] > page:
            found.add(i)
            i -= 1
    return found


def main():
    os.makedirs(WORK, exist_ok=True)
    bin_dir = subprocess.run([os.path.join(ROOT, "scripts", "release-build")], check=True, stdout=subprocess.PIPE,
                             text=True).stdout.strip().splitlines()[-1]
    args = link_args(bin_dir)
    tracer = os.path.join(WORK, "pagetrace.so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", tracer,
                    os.path.join(ROOT, "scripts", "profile", "pagetrace.c"), "-ldl"], check=True)

    say("step 1: candidates (plain link, traced run)")
    plain = os.path.join(WORK, "loop-plain")
    relink(args, plain)
    sections = text_sections(plain + ".map")
    pages = traced_runs(plain, os.path.join(WORK, "trace-plain"), tracer)
    candidates = sorted(touched(sections, set().union(*pages.values())))
    symbols = [sections[i][3] for i in candidates if sections[i][3]]
    say(f"  {len(symbols)} candidate sections, {sum(sections[i][1] for i in candidates) / 2**20:.1f} MiB")

    say("step 2: exact (each candidate on pages of its own, traced run)")
    pads = os.path.join(WORK, "pads.s")
    with open(pads, "w") as f:
        for n in range(len(symbols)):
            f.write(f'.section .text.zzpad{n},"axR",@progbits\n.globl zzpad{n}\nzzpad{n}:\n.skip 4096, 0xcc\n')
    subprocess.run(["cc", "-c", pads, "-o", pads[:-2] + ".o"], check=True)
    padded_order = os.path.join(WORK, "padded.order")
    with open(padded_order, "w") as f:
        for n, symbol in enumerate(symbols):
            f.write(f"{symbol}\nzzpad{n}\n")
    padded = os.path.join(WORK, "loop-padded")
    relink(args, padded, order=padded_order, extra_objects=[pads[:-2] + ".o"])
    padded_sections = [s for s in text_sections(padded + ".map") if "zzpad" not in (s[3] or "zzpad")]
    pages = traced_runs(padded, os.path.join(WORK, "trace-padded"), tracer)
    by_kind = {kind: touched(padded_sections, p) for kind, p in pages.items()}

    say("step 3: order")
    original = {symbol: n for n, symbol in enumerate(symbols)}
    rank = lambda i: original.get(padded_sections[i][3], len(original))
    round_, pm = by_kind.get("round", set()), by_kind.get("pm", set())
    rest = set().union(*by_kind.values()) - round_ - pm
    groups = [round_ - pm, round_ & pm, pm - round_, rest]
    written = set()
    with open(OUT, "w") as f:
        for group in groups:
            for i in sorted(group, key=rank):
                symbol = padded_sections[i][3]
                if symbol and symbol not in written:
                    written.add(symbol)
                    f.write(symbol + "\n")
    # SwiftPM does not know the order file is an input of the link: make the next build link again.
    os.remove(os.path.join(bin_dir, "loop"))
    sizes = [sum(padded_sections[i][1] for i in g) / 2**20 for g in groups]
    say(f"wrote {OUT}: {len(written)} sections; round only {sizes[0]:.2f} MiB, round and PM {sizes[1]:.2f} MiB, "
        f"PM only {sizes[2]:.2f} MiB, other {sizes[3]:.2f} MiB")


if __name__ == "__main__":
    main()
