"""Measuring helpers: hyperfine, peak RSS (GNU time + a /proc poller), git trace2, strace."""

import collections
import json
import os
import re
import statistics
import subprocess
import threading
import time


def median(values):
    return statistics.median(values) if values else float("nan")


# --------------------------------------------------------------------------- hyperfine

def hyperfine(cmds, cwd, out_json, runs=30, warmup=5, env=None):
    """Runs hyperfine -N on `cmds` ({name: argv}); returns {name: {median_ms, mean_ms, stddev_ms, min_ms, runs}}."""
    args = ["hyperfine", "-N", "--warmup", str(warmup), "--runs", str(runs), "--export-json", out_json, "--style", "none"]
    for name, argv in cmds.items():
        args += ["--command-name", name, " ".join(argv)]
    subprocess.run(args, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        data = json.load(f)
    result = {}
    for r in data["results"]:
        result[r["command"]] = {
            "median_ms": r["median"] * 1e3, "mean_ms": r["mean"] * 1e3, "stddev_ms": (r["stddev"] or 0) * 1e3,
            "min_ms": r["min"] * 1e3, "runs": len(r["times"]), "cpu_ms": (r["user"] + r["system"]) * 1e3,
            "times_ms": [t * 1e3 for t in r["times"]],
        }
    return result


# --------------------------------------------------------------------------- peak RSS

def parse_time_v(path):
    """Maximum resident set size (KiB) from a `/usr/bin/time -v` report."""
    with open(path) as f:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    return int(m.group(1)) if m else None


class RSSPoller:
    """Samples VmHWM (peak RSS) of every descendant of `root_pid` every few ms.

    Classifies by command line: the outer PM (`run` without --single-round), round
    subprocesses (`--single-round`), and everything else (agents, git) by program name.
    A process forked but not yet exec'd still shows its parent's command line and memory;
    outer-looking processes other than the outer PM itself are therefore ignored, and a
    round child's pre-exec forks report the round child's own peak, which does no harm."""

    def __init__(self, root_pid, interval=0.003):
        self.root = root_pid
        self.interval = interval
        self.ppid = {}
        self.peak = {}        # pid -> (class, hwm_kib)
        self.split = {}       # pid -> (rss_kib, anon_kib, file_kib) at the largest VmRSS seen
        self.maps = {}        # class -> (rss_kib, [(mapping, kib)]) from /proc/<pid>/smaps at the largest RSS
        self.outer = None
        self.files = {}       # pid -> shared objects mapped (from the last smaps read)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def finish(self):
        self.stop.set()
        self.thread.join()
        by_class = {}
        counts = collections.Counter()
        for pid, (cls, kib) in self.peak.items():
            counts[cls] += 1
            if cls not in by_class or kib > by_class[cls]["peak_kib"]:
                rss, anon, filed = self.split.get(pid, (0, 0, 0))
                by_class[cls] = {"peak_kib": kib, "rss_kib_at_sample": rss, "anon_kib": anon, "file_kib": filed}
        for cls in by_class:
            by_class[cls]["processes"] = counts[cls]
            if cls in self.maps:
                by_class[cls]["top_mappings_kib"] = self.maps[cls][1]
        for pid, (cls, _) in self.peak.items():
            if cls in by_class and pid in self.files:
                have = set(by_class[cls].get("shared_objects", []))
                by_class[cls]["shared_objects"] = sorted(have | set(self.files[pid]))
        return by_class

    def _smaps(self, pid):
        """Resident KiB per mapped file (anonymous memory as [anon]), largest first."""
        agg = collections.Counter()
        cur = None
        data = self._read(f"/proc/{pid}/smaps")
        if not data:
            return None
        for line in data.decode(errors="replace").splitlines():
            head = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
            if head:
                name = head.group(1).strip() or "[anon]"
                cur = os.path.basename(name) if name.startswith("/") else name
            elif line.startswith("Rss:") and cur is not None:
                agg[cur] += int(line.split()[1])
        self.files[pid] = sorted(k for k in agg if k.endswith(".so") or ".so." in k)
        return [(k, v) for k, v in agg.most_common(10)]

    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def _descendants(self):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid not in self.ppid:
                stat = self._read(f"/proc/{pid}/stat")
                if stat is None:
                    continue
                self.ppid[pid] = int(stat[stat.rindex(b")") + 2:].split()[1])
        alive = set()
        for pid in self.ppid:
            p, seen = pid, 0
            while p and p != self.root and seen < 64:
                p = self.ppid.get(p)
                seen += 1
            if p == self.root and os.path.exists(f"/proc/{pid}"):
                alive.add(pid)
        return alive

    def _loop(self):
        while not self.stop.is_set():
            for pid in self._descendants():
                cmdline = self._read(f"/proc/{pid}/cmdline")
                status = self._read(f"/proc/{pid}/status")
                if not cmdline or not status:
                    continue
                m = re.search(rb"VmHWM:\s+(\d+) kB", status)
                if not m:
                    continue
                argv = cmdline.split(b"\0")
                if self.ppid.get(pid) == self.root and self.outer is None:
                    self.outer = pid
                if b"--single-round" in argv:
                    cls = "round subprocess"
                elif pid == self.outer:
                    cls = "outer PM"
                elif b"run" in argv and (b"--auto-dispatch" in argv):
                    continue  # a fork of the outer PM before exec
                else:
                    prog = os.path.basename(argv[0].decode(errors="replace")) or "?"
                    if prog in ("bash", "sh") and len(argv) > 1:
                        prog = os.path.basename(argv[1].decode(errors="replace"))
                    cls = "other: " + prog
                kib = int(m.group(1))
                old = self.peak.get(pid)
                if old is None or old[0] != cls:
                    self.peak[pid] = (cls, kib)
                    self.split.pop(pid, None)
                elif kib > old[1]:
                    self.peak[pid] = (cls, kib)
                fields = dict(re.findall(rb"(VmRSS|RssAnon|RssFile):\s+(\d+) kB", status))
                if fields:
                    rss = int(fields.get(b"VmRSS", 0))
                    if rss >= self.split.get(pid, (0, 0, 0))[0]:
                        self.split[pid] = (rss, int(fields.get(b"RssAnon", 0)), int(fields.get(b"RssFile", 0)))
                    if cls in ("outer PM", "round subprocess") and rss > self.maps.get(cls, (0, None))[0] + 256:
                        top = self._smaps(pid)
                        if top:
                            self.maps[cls] = (rss, top)
            time.sleep(self.interval)


def run_with_rss(tool, repo, max_rounds, approve_round, workdir, tag):
    """One run under /usr/bin/time -v, with the poller on the time process's tree."""
    report = os.path.join(workdir, f"time-v-{tool.name}-{tag}.txt")
    wrap = ["/usr/bin/time", "-v", "-o", report]
    result = {}

    # Start the run in a thread so the poller can attach to its pid.
    holder = {}

    def target():
        holder["run"] = tool.run(repo, max_rounds, approve_round, wrap=wrap, tag=tag)

    before = set(int(p) for p in os.listdir("/proc") if p.isdigit())
    t = threading.Thread(target=target)
    t.start()
    root = None
    deadline = time.time() + 5
    while root is None and time.time() < deadline:
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) not in before:
                try:
                    with open(f"/proc/{p}/cmdline", "rb") as f:
                        if f.read().startswith(b"/usr/bin/time\0-v\0-o\0" + report.encode()):
                            root = int(p)
                            break
                except OSError:
                    pass
        time.sleep(0.001)
    poller = RSSPoller(root).start() if root else None
    t.join()
    result["per_class"] = poller.finish() if poller else {}
    result["tree_max_kib"] = parse_time_v(report)
    result["run"] = holder["run"]
    return result


# --------------------------------------------------------------------------- git trace2

def git_trace2_summary(path):
    """Sums git processes from a GIT_TRACE2_EVENT file: count, total wall ms, per subcommand."""
    per = collections.defaultdict(lambda: [0, 0.0])
    names = {}
    total_ms, count = 0.0, 0
    if not os.path.exists(path):
        return {"count": 0, "total_ms": 0.0, "by_command": {}}
    with open(path) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            sid = ev.get("sid", "")
            if ev.get("event") == "start":
                argv = ev.get("argv", [])
                # skip "-C <dir>" / "-c k=v" and other options
                i, sub = 1, "?"
                while i < len(argv):
                    a = argv[i]
                    if a in ("-C", "-c"):
                        i += 2
                        continue
                    if a.startswith("-"):
                        i += 1
                        continue
                    sub = a
                    break
                names[sid] = sub
            elif ev.get("event") == "exit":
                ms = ev.get("t_abs", 0.0) * 1e3
                if "/" in sid:  # a git spawned by git (e.g. gc --auto): counted inside its parent
                    continue
                sub = names.get(sid, "?")
                per[sub][0] += 1
                per[sub][1] += ms
                total_ms += ms
                count += 1
    return {"count": count, "total_ms": total_ms,
            "by_command": {k: {"count": v[0], "total_ms": round(v[1], 2)} for k, v in sorted(per.items())}}


# --------------------------------------------------------------------------- strace

def strace_profile(tool, repo, max_rounds, approve_round, workdir, tag):
    """Counts process spawns (by program) and fsync-family calls of a run under strace -f.

    strace slows the run a lot; only counts are taken from it, never times."""
    trace = os.path.join(workdir, f"strace-{tool.name}-{tag}.txt")
    wrap = ["strace", "-f", "-qq", "-e", "trace=execve,fsync,fdatasync,sync_file_range,rename,renameat,renameat2",
            "-o", trace]
    run = tool.run(repo, max_rounds, approve_round, wrap=wrap, tag=tag)
    execs = collections.Counter()
    failed = collections.Counter()
    syncs = collections.Counter()
    fail_only = collections.Counter()  # pid -> failed execve count, for pids that never exec'd
    succeeded = set()
    with open(trace) as f:
        for line in f:
            m = re.search(r'execve\("([^"]+)", \[([^\]]*)', line)
            if m and "= -1" in line:
                failed[os.path.basename(m.group(1))] += 1
                fail_only[(int(line.split()[0]), os.path.basename(m.group(1)))] += 1
                continue
            if m and "resumed" not in line:
                succeeded.add(int(line.split()[0]))
            if m and "resumed" not in line:
                prog = os.path.basename(m.group(1))
                args = re.findall(r'"([^"]*)"', m.group(2))
                if prog == "git":
                    # "/usr/bin/git -C dir sub ..." -> git sub
                    rest = args[1:]
                    i = 0
                    while i < len(rest) and rest[i].startswith("-"):
                        i += 2 if rest[i] in ("-C", "-c") else 1
                    prog = "git " + (rest[i] if i < len(rest) else "?")
                elif prog in ("loop", "python3", "python3.11", "python"):
                    prog = prog + (" --single-round" if "--single-round" in args else " (outer)" if "run" in args else " " + " ".join(args[1:3]))
                execs[prog] += 1
                continue
            for call in ("fsync", "fdatasync", "sync_file_range", "renameat2", "renameat", "rename"):
                if re.search(r"\b%s\(" % call, line) and "resumed" not in line:
                    syncs[call] += 1
                    break
    # A process whose only execve attempts failed was forked just to probe one PATH entry.
    wasted = collections.Counter(prog for (pid, prog) in fail_only if pid not in succeeded)
    return {"rc": run.rc, "rounds": run.rounds, "execs": dict(execs.most_common()),
            "failed_execs": dict(failed.most_common()), "wasted_spawns": dict(wasted.most_common()),
            "syncs": dict(syncs)}


def reap_latency(tool, repo, max_rounds, approve_round, workdir, tag):
    """How long after an agent process exits does the PM notice (reap) it?

    Traced with `strace --seccomp-bpf` (only execve, exit_group, wait4, waitid stop the
    process, so the slowdown is small). Agent = the process that exec'd the agent script."""
    trace = os.path.join(workdir, f"strace-reap-{tool.name}-{tag}.txt")
    wrap = ["strace", "--seccomp-bpf", "-f", "-ttt", "-qq", "-e", "trace=execve,exit_group,wait4,waitid", "-o", trace]
    run = tool.run(repo, max_rounds, approve_round, wrap=wrap, tag=tag)
    agent_pids, exits, reaps, pending = set(), {}, {}, {}
    line_re = re.compile(r"^(\d+)\s+([\d.]+)\s+(.*)$")
    with open(trace) as f:
        for raw in f:
            m = line_re.match(raw.rstrip("\n"))
            if not m:
                continue
            tid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
            if rest.startswith("execve(") and "= -1" not in rest and re.search(r'execve\("[^"]*/(worker\.sh|reviewer\.sh|codex)"', rest):
                agent_pids.add(tid)
            elif rest.startswith("exit_group("):
                exits[tid] = ts
            w = re.match(r"(waitid|wait4)\((?:P_PID, )?(\d+),", rest)
            # success: waitid(P_PID, pid, ...) = 0; wait4(pid, ...) = pid (WNOHANG polls return 0)
            if w:
                call, target = w.group(1), int(w.group(2))
                if rest.endswith("<unfinished ...>"):
                    pending[tid] = (call, target)
                elif rest.endswith("= %d" % (0 if call == "waitid" else target)):
                    reaps.setdefault(target, ts)
            elif "resumed>" in rest and tid in pending:
                call, target = pending.pop(tid)
                if rest.endswith("= %d" % (0 if call == "waitid" else target)):
                    reaps.setdefault(target, ts)
    lat = sorted((reaps[p] - exits[p]) * 1e3 for p in agent_pids if p in exits and p in reaps)
    return {"rc": run.rc, "agents": len(agent_pids), "measured": len(lat),
            "median_ms": median(lat), "max_ms": max(lat) if lat else None,
            "mean_ms": sum(lat) / len(lat) if lat else None}


def strace_summary(tool, repo, max_rounds, approve_round, workdir, tag):
    """`strace -c -w -f`: wall time spent inside each syscall, whole process tree (top entries).

    With -w the time is the syscall's latency (e.g. an fsync waiting for the disk), not CPU."""
    out = os.path.join(workdir, f"strace-c-{tool.name}-{tag}.txt")
    run = tool.run(repo, max_rounds, approve_round, wrap=["strace", "-c", "-w", "-f", "-o", out], tag=tag)
    rows = []
    with open(out) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and re.match(r"^\d+\.\d+$", parts[0]) and parts[-1] not in ("total", "TOTAL"):
                try:
                    rows.append({"syscall": parts[-1], "pct": float(parts[0]), "seconds": float(parts[1]),
                                 "calls": int(parts[3])})
                except ValueError:
                    pass
    by_calls = sorted(rows, key=lambda r: -r["calls"])
    return {"rc": run.rc, "top_by_calls": by_calls[:10],
            "fsync_s": sum(r["seconds"] for r in rows if r["syscall"] in ("fsync", "fdatasync")),
            "fsync_calls": sum(r["calls"] for r in rows if r["syscall"] in ("fsync", "fdatasync"))}


def round_profile(tool, repo, max_rounds, approve_round, workdir, tag, extra_env=None):
    """fsyncs (by file) and the PM's git processes of one whole run, for the per-round columns.

    `strace -f -y` names the file of each fsync. git processes started by an agent (loop-kit's
    stand-in commits by itself) are not the PM's: a git whose parent chain reaches an agent
    script is left out. strace slows the run; only counts are taken from it."""
    trace = os.path.join(workdir, f"strace-round-{tool.name}-{tag}.txt")
    wrap = ["strace", "-f", "-qq", "-y", "-e", "trace=execve,fsync,fdatasync,clone,clone3,fork,vfork", "-o", trace]
    run = tool.run(repo, max_rounds, approve_round, wrap=wrap, tag=tag, extra_env=extra_env)
    by_file = collections.Counter()
    agents = {"worker.sh", "reviewer.sh", "codex"}
    agent_pids = set()
    round_pids = set()  # loop's round subprocesses: git run there is the round's own, not setup
    parent, prog = {}, {}
    git_pids = []
    syncs = 0
    with open(trace) as f:
        for line in f:
            parts = line.split(None, 1)
            if len(parts) < 2 or not parts[0].isdigit():
                continue
            pid, rest = int(parts[0]), parts[1]
            # `clone(...) = 123`, or its second half `<... clone resumed>...) = 123` when strace split it
            m = re.match(r"(?:<\.\.\. )?(clone3?|v?fork)(?:\(| resumed>).*= (\d+)$", rest.strip())
            if m:
                parent[int(m.group(2))] = pid
                continue
            m = re.match(r'execve\("([^"]+)"', rest)
            if m and "= -1" not in rest and "resumed" not in rest:
                prog[pid] = os.path.basename(m.group(1))
                if '"--single-round"' in rest:
                    round_pids.add(pid)
                if prog[pid] == "git":
                    git_pids.append(pid)
                if prog[pid] in agents:  # a script exec's its interpreter next: remember the agent
                    agent_pids.add(pid)
                continue
            m = re.match(r"(fsync|fdatasync)\(\d+<([^>]*)>", rest)
            if m:
                syncs += 1
                path = m.group(2).replace(repo, "")
                if re.search(r"\.tmp-\d+-\d+$", path):  # a temp file: name it by its destination
                    path = re.sub(r"/\.([^/]+)\.tmp-\d+-\d+$", r"/\1", path)
                path = re.sub(r"/run-[^/]+", "/<run>", path)
                by_file[path] += 1

    def ancestor_in(pid, pids):
        """The nearest ancestor of `pid` that is in `pids`, or None."""
        seen = 0
        while pid in parent and seen < 64:
            pid = parent[pid]
            seen += 1
            if pid in pids:
                return pid
        return None

    def from_agent(pid):
        return ancestor_in(pid, agent_pids) is not None

    def round_of(pid):
        """The round subprocess a process descends from, or None."""
        return ancestor_in(pid, round_pids)

    pm_git = [p for p in git_pids if not from_agent(p)]
    round_git = [p for p in pm_git if round_of(p) is not None]
    rounds = max(1, run.rounds)
    result = {"rc": run.rc, "rounds": run.rounds, "fsyncs": syncs, "fsyncs_per_round": syncs / rounds,
              "fsyncs_by_file": dict(by_file.most_common()), "pm_git": len(pm_git),
              "pm_git_per_round": len(pm_git) / rounds}
    if round_pids:
        result["round_git_per_round"] = len(round_git) / rounds
        # Per round subprocess: round 1 also reads its base, the approving round the branch tip.
        counts = collections.Counter(round_of(p) for p in round_git)
        per_round = sorted(counts.get(pid, 0) for pid in round_pids)
        result["round_git_median"] = statistics.median(per_round)
        result["round_git_max"] = max(per_round)
        result["round_git_counts"] = dict(collections.Counter(per_round))
    return result


def loaded_libraries(argv, cwd, env=None):
    """The shared objects the dynamic loader maps for one command (`LD_DEBUG=files`), dlopen'd ones included."""
    e = dict(env or os.environ)
    e["LD_DEBUG"] = "files"
    out = subprocess.run(argv, cwd=cwd, env=e, capture_output=True, text=True, timeout=60)
    libs = []
    for line in out.stderr.splitlines():
        m = re.search(r"file=(\S+)\s+\[\d+\];\s+(?:needed|dynamically loaded) by", line)
        if m and os.path.basename(m.group(1)) not in libs:
            libs.append(os.path.basename(m.group(1)))
    return libs


NETWORKING = ("libFoundationNetworking", "libcurl", "libssl", "libcrypto", "libssh", "libldap", "libkrb5",
              "libgssapi", "libnghttp", "librtmp")


def networking(libs):
    return [lib for lib in libs if lib.startswith(NETWORKING)]


# --------------------------------------------------------------------------- perf

AGENT_COMMS = {"bash", "date", "mv", "worker.sh", "reviewer.sh", "codex", "env", "sed", "grep", "head", "cat"}


def perf_profile(tool, repo, max_rounds, approve_round, workdir, tag):
    """CPU samples of a whole run (`perf record -F 2000`), split by process kind and, for
    the PM's own processes, by library. Returns None when perf cannot record here."""
    data = os.path.join(workdir, f"perf-{tool.name}-{tag}.data")
    run = tool.run(repo, max_rounds, approve_round, wrap=["perf", "record", "-q", "-F", "2000", "-o", data], tag=tag)
    if run.rc != 0 or not os.path.exists(data):
        return None
    try:
        out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "comm,dso", "--stdio",
                              "-g", "none", "--percent-limit", "0"], capture_output=True, text=True, timeout=120).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    kinds = collections.Counter()
    pm_dso = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(.+?)\s{2,}(\S+)\s*$", line)
        if not m:
            continue
        pct, comm, dso = float(m.group(1)), m.group(2).strip(), m.group(3)
        if comm == "git" or comm.startswith("git-"):
            kind = "git"
        elif comm in AGENT_COMMS:
            kind = "agents"
        else:
            kind = "PM (loop or python processes)"
            pm_dso[dso] += pct
        kinds[kind] += pct
    cpu_ms = run.cpu_s * 1e3 if run.cpu_s else None
    return {"rounds": max_rounds, "tree_cpu_ms": cpu_ms,
            "by_kind_pct": dict(kinds.most_common()), "pm_by_dso_pct": dict(pm_dso.most_common(12))}


# --------------------------------------------------------------------------- fsync

def fsync_cost(directory, n=60):
    """Median ms of one crash-safe small write as loop does it (temp, fsync, rename, fsync dir)."""
    times = []
    tmp, dst = os.path.join(directory, ".fsync.tmp"), os.path.join(directory, "fsync.json")
    for _ in range(n):
        t = time.perf_counter()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b"{}" * 300)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, dst)
        d = os.open(directory, os.O_RDONLY)
        os.fsync(d)
        os.close(d)
        times.append((time.perf_counter() - t) * 1e3)
    os.unlink(dst)
    return {"atomic_write_2_fsyncs_median_ms": median(times), "per_fsync_ms": median(times) / 2}
