"""The two tools under test, driven the same way: same task, same repo, same instant agents.

`loop` gets `command` backends (bench/agents/worker.sh, reviewer.sh) in .loop/config.yaml.
loop-kit (agent-task-runner 0.3.1) gets a stand-in `codex` on PATH (bench/agents/codex),
because it has no generic command backend.

Every agent appends "role round start_ns end_ns" to $BENCH_AGENT_LOG, so a run's PM
overhead is its wall time minus the agents' own wall time.
"""

import os
import re
import resource
import shutil
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
AGENTS = os.path.join(HERE, "agents")
TASK_ID = "T-1"
CARD = (
    '{"task_id": "T-1", "goal": "Append a line to a.txt.", "in_scope": ["a.txt"], "out_of_scope": [],\n'
    ' "acceptance_criteria": ["a.txt has one more line"], "constraints": []}\n'
)
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]


def sh(args, cwd=None, env=None, check=True, capture=True):
    """Runs a command; returns stdout (text)."""
    out = subprocess.run(
        args, cwd=cwd, env=env, check=False, text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} (in {cwd}) exited {out.returncode}: {out.stderr[-2000:] if capture else ''}")
    return out.stdout if capture else ""


def make_git_repo(path, nfiles=0):
    """A git repo with a.txt and `nfiles` extra small files (100 per folder), one commit.

    `.loop/` is excluded through .git/info/exclude, as a real user ignores it (loop-kit's
    worker does `git add -A`, which would otherwise commit the bus)."""
    os.makedirs(path)
    sh(["git", "init", "-q", "-b", "main"], cwd=path)
    sh(["git", "config", "user.name", "bench"], cwd=path)
    sh(["git", "config", "user.email", "bench@localhost"], cwd=path)
    with open(os.path.join(path, "a.txt"), "w") as f:
        f.write("start\n")
    for i in range(nfiles):
        d = os.path.join(path, "src", f"d{i // 100:03d}")
        if i % 100 == 0:
            os.makedirs(d)
        with open(os.path.join(d, f"f{i:05d}.txt"), "w") as f:
            f.write(f"file {i}\nline two\n")
    with open(os.path.join(path, ".git", "info", "exclude"), "a") as f:
        f.write(".loop/\n")
    sh(["git", "add", "-A"], cwd=path)
    sh(["git"] + GIT_ID + ["commit", "-q", "-m", "init"], cwd=path)


def _bash_time(text):
    """Seconds from a bash `times` field such as 0m0.012s."""
    m = re.match(r"(\d+)m([\d.]+)s", text)
    return int(m.group(1)) * 60 + float(m.group(2)) if m else 0.0


def read_agent_log(path):
    """[(role, round, start_ns, end_ns, cpu_s)] in order of completion."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 4:
                    cpu = sum(_bash_time(p) for p in parts[4:8])
                    rows.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3]), cpu))
    return rows


class RunResult:
    def __init__(self, wall_s, rc, agents, log_path, cpu_s=None, start_ns=0, end_ns=0):
        self.wall_s = wall_s
        self.start_ns, self.end_ns = start_ns, end_ns
        self.cpu_s = cpu_s  # user+sys of the whole process tree (PM, agents, git)
        self.rc = rc
        self.agents = agents
        self.log_path = log_path

    @property
    def agent_s(self):
        return sum(end - start for _, _, start, end, _ in self.agents) / 1e9

    @property
    def agent_cpu_s(self):
        return sum(cpu for *_, cpu in self.agents)

    @property
    def pm_cpu_s(self):
        """CPU (user+sys) of everything but the agents: the PM processes and their git calls."""
        return None if self.cpu_s is None else self.cpu_s - self.agent_cpu_s

    @property
    def rounds(self):
        return max((r for _, r, *_ in self.agents), default=0)

    @property
    def startup_s(self):
        """From starting `loop run` to the first agent's start (run setup, e.g. a task worktree)."""
        return (self.agents[0][2] - self.start_ns) / 1e9 if self.agents else None

    @property
    def finish_s(self):
        """From the last agent's end to the PM's exit."""
        return (self.end_ns - self.agents[-1][3]) / 1e9 if self.agents else None

    @property
    def overhead_s(self):
        return self.wall_s - self.agent_s

    def steady_round_overheads_s(self):
        """Per-round PM overhead between consecutive worker starts (excludes run start/end).

        For round r: worker_start(r+1) - worker_start(r) - agent time of round r."""
        starts, busy = {}, {}
        for role, rnd, start, end, _ in self.agents:
            busy[rnd] = busy.get(rnd, 0) + (end - start)
            if role == "worker":
                starts[rnd] = start
        return [
            (starts[r + 1] - starts[r] - busy[r]) / 1e9
            for r in sorted(starts) if r + 1 in starts
        ]


class Tool:
    name = "?"
    status_args = ["status"]

    def __init__(self, exe, workdir):
        self.exe = exe
        self.workdir = workdir

    def env(self, agent_log, approve_round, extra=None):
        env = dict(os.environ)
        env["BENCH_AGENT_LOG"] = agent_log
        env["BENCH_APPROVE_ROUND"] = str(approve_round)
        env.pop("LOOP_PM_PID", None)
        if extra:
            env.update(extra)
        return env

    def run(self, repo, max_rounds, approve_round, wrap=None, extra_env=None, again=False, tag="run"):
        """Runs one `loop run` to its end in `repo`; `wrap` prefixes the command (time, strace)."""
        agent_log = os.path.join(self.workdir, f"agents-{os.path.basename(repo)}-{tag}-{time.time_ns()}.log")
        log_path = agent_log.replace(".log", ".out")
        cmd = (wrap or []) + self.run_args(max_rounds, again)
        with open(log_path, "w") as out:
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            start_ns = time.time_ns()
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=repo, env=self.env(agent_log, approve_round, extra_env),
                                  stdout=out, stderr=subprocess.STDOUT)
            wall = time.perf_counter() - start
            end_ns = time.time_ns()
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        return RunResult(wall, proc.returncode, read_agent_log(agent_log), log_path, cpu, start_ns, end_ns)

    def status_cmd(self):
        return [self.exe] + self.status_args


class Loop(Tool):
    name = "loop"

    def setup(self, repo):
        sh([self.exe, "init"], cwd=repo)
        config = os.path.join(repo, ".loop", "config.yaml")
        with open(config, "a") as f:  # `backends:` is the last section of the init config
            f.write(
                "\n  # added by bench: instant scripted agents\n"
                f"  bw:\n    command: [\"{AGENTS}/worker.sh\"]\n"
                f"  br:\n    command: [\"{AGENTS}/reviewer.sh\"]\n")
        with open(os.path.join(repo, ".loop", "task_card.json"), "w") as f:
            f.write(CARD)

    def run_args(self, max_rounds, again=False):
        return [self.exe, "run", "--auto-dispatch", "--worker-backend", "bw", "--reviewer-backend", "br",
                "--max-rounds", str(max_rounds), "--dispatch-retry-base-sec", "1"]

    def run_dirs(self, repo):
        base = os.path.join(repo, ".loop", "archive", TASK_ID)
        return sorted(os.path.join(base, d) for d in os.listdir(base) if d.startswith("run-"))

    def harvest(self, repo):
        """A real archived round (round 1 of the repo's first run) plus that run's outcome."""
        real = self.run_dirs(repo)[0]
        files = [os.path.join(real, f) for f in sorted(os.listdir(real)) if f.startswith("r1_")]
        outcome = [os.path.join(real, f) for f in os.listdir(real) if f.endswith("_outcome.json")]
        return {"round": files, "outcome": outcome[:1]}

    def fake_archive(self, repo, n_fake, harvest, per_run=10):
        """Adds `n_fake` archived rounds, copies of a real round, spread over fake runs of
        `per_run` rounds each (ids sorting before the real runs), each run with an outcome."""
        base = os.path.join(repo, ".loop", "archive", TASK_ID)
        done, run_no = 0, 0
        while done < n_fake:
            d = os.path.join(base, f"run-20200101T000000-fake{run_no:04d}")
            os.makedirs(d)
            k = min(per_run, n_fake - done)
            for rnd in range(1, k + 1):
                for src in harvest["round"]:
                    shutil.copyfile(src, os.path.join(d, f"r{rnd}_" + os.path.basename(src)[3:]))
            for src in harvest["outcome"]:
                shutil.copyfile(src, os.path.join(d, f"r{k}_outcome.json"))
            done += k
            run_no += 1

    def archived_rounds(self, repo):
        n = 0
        for d in self.run_dirs(repo):
            n += len({f.split("_", 1)[0] for f in os.listdir(d) if f.startswith("r") and "_" in f})
        return n


class LoopKit(Tool):
    """agent-task-runner 0.3.1. Its card lives in .loop/tasks/ so that `--reset` (needed for a
    second run, defect D1) does not delete it (defect D2)."""
    name = "loop-kit"
    card_rel = ".loop/tasks/T-1.json"

    def __init__(self, exe, workdir):
        super().__init__(exe, workdir)
        self.bin = os.path.join(workdir, "loopkit-bin")
        os.makedirs(self.bin, exist_ok=True)
        link = os.path.join(self.bin, "codex")
        if not os.path.lexists(link):
            os.symlink(os.path.join(AGENTS, "codex"), link)

    def env(self, agent_log, approve_round, extra=None):
        env = super().env(agent_log, approve_round, extra)
        env["PATH"] = self.bin + os.pathsep + env.get("PATH", "")
        return env

    def setup(self, repo):
        sh([self.exe, "init"], cwd=repo)
        os.makedirs(os.path.join(repo, ".loop", "tasks"), exist_ok=True)
        with open(os.path.join(repo, self.card_rel), "w") as f:
            f.write(CARD)

    def run_args(self, max_rounds, again=False):
        return [self.exe, "run", "--task", self.card_rel, "--auto-dispatch", "--worker-backend", "codex",
                "--reviewer-backend", "codex", "--max-rounds", str(max_rounds), "--dispatch-retry-base-sec", "1",
                "--artifact-timeout", "10"] + (["--reset"] if again else [])

    def harvest(self, repo):
        """A real archived round: r1_* of a finished 2-round run (loop-kit archives the
        previous round's review request as r2_review_request, defect D7; it is left out)."""
        base = os.path.join(repo, ".loop", "archive", TASK_ID)
        return {"round": [os.path.join(base, f) for f in sorted(os.listdir(base)) if f.startswith("r1_")]}

    def fake_archive(self, repo, n_fake, harvest, per_run=None):
        """loop-kit keeps one flat folder per task: archive/<task>/r<N>_*.json. Adds rounds
        numbered after the real ones, copies of a real round."""
        base = os.path.join(repo, ".loop", "archive", TASK_ID)
        os.makedirs(base, exist_ok=True)
        start = self.archived_rounds(repo) + 1
        for rnd in range(start, start + n_fake):
            for src in harvest["round"]:
                shutil.copyfile(src, os.path.join(base, f"r{rnd}_" + os.path.basename(src)[3:]))

    def archived_rounds(self, repo):
        base = os.path.join(repo, ".loop", "archive", TASK_ID)
        if not os.path.isdir(base):
            return 0
        return len({f.split("_", 1)[0] for f in os.listdir(base) if f.startswith("r") and "_" in f})


def copy_repo(template, dest):
    """A fresh copy of a template repository, settled before anything is timed: the index
    is refreshed (a copy has new inodes, so git would otherwise re-hash every file once) and
    dirty pages are written out (so nobody's first fsync pays for the copy)."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(template, dest, symlinks=True)
    sh(["git", "update-index", "-q", "--refresh"], cwd=dest, check=False)
    os.sync()
    return dest
