import Foundation

/// Checks what can be checked before round 1, reporting every problem at once.
///
/// Users hit these one at a time otherwise: not a git repository, no commits, a backend not
/// installed, a bus that cannot be written.
package struct Preflight: Sendable {
    package var paths: BusPaths
    package var options: RunOptions
    package var dispatcher: any AgentDispatcher
    /// The card has verify commands, which run in bubblewrap unless `--unsafe-verify`.
    package var runsVerify = true

    package init(paths: BusPaths, options: RunOptions, dispatcher: any AgentDispatcher) {
        self.paths = paths
        self.options = options
        self.dispatcher = dispatcher
    }

    /// Problems with the repository, the bus and the chosen backends, one line each.
    package func problems(checkBackends: Bool) async -> [String] {
        var problems = options.problems()
        let git = Git(directory: paths.repository)
        if Self.findOnPath("git") == nil {
            problems.append("git is not installed or not on PATH. Install git (apt-get install git).")
        } else if await git.topLevel() == nil {
            problems.append(
                "\(paths.repository) is not inside a git repository. Run `git init` and commit, or cd into your repository."
            )
        } else if await git.head() == nil {
            problems.append(
                "The repository has no commits yet. Make a first commit (git commit --allow-empty -m init).")
        }
        if let problem = writableProblem(paths.root) { problems.append(problem) }
        if (runsVerify && !options.unsafeVerify) || options.agentSandbox,
            case .unusable(let problem) = await BubblewrapProbe.detect()
        {
            problems.append(
                options.agentSandbox
                    ? "--agent-sandbox runs the agents in bubblewrap, but \(problem). \(BubblewrapProbe.installHint.capitalizedFirst), or drop --agent-sandbox."
                    : "Verify commands run model-written code in bubblewrap, but \(problem). \(BubblewrapProbe.installHint.capitalizedFirst), or pass --unsafe-verify to run them unsandboxed."
            )
        }
        if checkBackends { problems += await backendProblems() }
        return Array(NSOrderedSet(array: problems)).compactMap { $0 as? String }
    }

    /// Each backend problem once, naming the role(s) it stops: one backend playing both roles
    /// gives `worker and reviewer (x): …`, not the same line twice.
    private func backendProblems() async -> [String] {
        var found: [(problem: String, roles: [Role])] = []
        for role in Role.allCases {
            let backend = options.backend(for: role)
            var problems = await dispatcher.preflight(backend: backend, role: role, options: options)
            if role == .reviewer, !dispatcher.writesReport(backend: backend), problems.isEmpty {
                problems.append(
                    "\(backend) writes no report, and a review is never invented. Choose another --reviewer-backend.")
            }
            for problem in problems {
                if let index = found.firstIndex(where: { $0.problem == problem }) {
                    found[index].roles.append(role)
                } else {
                    found.append((problem, [role]))
                }
            }
        }
        return found.map { "\(roleLabel($0.roles)): \($0.problem)" }
    }

    /// `worker (codex)`, `worker and reviewer (x)`, or `worker (a) and reviewer (b)`.
    func roleLabel(_ roles: [Role]) -> String {
        let backends = Set(roles.map { options.backend(for: $0) })
        if backends.count == 1, let backend = backends.first {
            return "\(roles.map(\.rawValue).joined(separator: " and ")) (\(backend))"
        }
        return roles.map { "\($0.rawValue) (\(options.backend(for: $0)))" }.joined(separator: " and ")
    }

    private func writableProblem(_ directory: String) -> String? {
        do {
            try Filesystem.createDirectory(directory)
            // Named like an atomic-write temp file, so a crash here is swept by the next run.
            let probe = "\(directory)/.write-probe.tmp-\(getpid())-0"
            try AtomicFile.write("", to: probe)
            try FileManager.default.removeItem(atPath: probe)
            return nil
        } catch {
            return
                "The bus folder \(directory) is not writable (\(error.localizedDescription)). Fix its permissions or pass --loop-dir."
        }
    }

    /// The full path of an executable found on PATH (or the path itself when it has a slash).
    package static func findOnPath(_ program: String) -> String? {
        let fileManager = FileManager.default
        if program.contains("/") { return fileManager.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if fileManager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

extension String {
    /// The string with its first letter upper-cased.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
