import Foundation

/// Catches shell commands a small model sends that cannot be what it means — the task id or
/// a sentence as a command, a script named without `bash`/`./`, git (which the PM owns) —
/// and answers them with a hint instead of running them.
///
/// Seen with SmolLM2-135M: `run <task-id>` (exit 127) three times, or
/// `git reset --hard, git clean, git commit -am `; the hint names the action that works.
enum RunCommandAdvisor {
    /// Shell words that are not programs on PATH but are fine as a first word.
    static let shellWords: Set<String> = [
        "cd", "echo", "printf", "export", "test", "[", "[[", "true", "false", "set", "source", ".", "exit", "read",
        "type", "command", "for", "if", "while", "case", "until", "(", "{", "!", "time", "env", "pwd", "ulimit",
        "unset", "eval", "exec", "let", "declare", "local", "return", "shift", "trap", "wait", "umask", "alias",
    ]

    /// A hint for the model when `command` should not run; nil when it should.
    static func advice(
        for command: String, workdir: String, taskID: String, path: String? = ProcessInfo.processInfo.environment["PATH"]
    ) -> String? {
        let trimmed = command.trimmingCharacters(in: .whitespacesAndNewlines)
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard let first = words.first else { return nil }
        // Assignments (`X=1 cmd`) and redirections move the program to a later word: leave those alone.
        if first.contains("=") || first.hasPrefix(">") || first.hasPrefix("<") { return nil }
        let program = first.trimmingCharacters(in: CharacterSet(charactersIn: "\"'`;,"))

        if program == "git" || trimmed.hasPrefix("git ") || trimmed.contains("&& git ") || trimmed.contains("; git ") {
            return "Not run: do not use git. The PM commits your changes after you finish. "
                + "Change files with edit_file or write_file, run the tests, then call finish."
        }
        if !taskID.isEmpty, program == taskID || trimmed.hasPrefix(taskID) {
            return "Not run: `\(program)` is the task's id, not a command. "
                + "Read the file you must change with read_file, change it with edit_file, then run the project's test command."
        }
        // A path (`./x.sh`, `src/run.sh`, `/usr/bin/env`) is left to the shell, which runs in
        // the sandbox; only bare names are checked, so nothing outside the worktree is probed.
        if shellWords.contains(program) || program.contains("/") || program.hasPrefix("~") { return nil }
        if onPath(program, path: path) { return nil }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: workdir + "/" + program, isDirectory: &isFolder), !isFolder.boolValue {
            let runner = program.hasSuffix(".py") ? "python3" : (program.hasSuffix(".sh") ? "bash" : "")
            let example = runner.isEmpty ? "./\(program)" : "\(runner) \(program)"
            return "Not run: `\(program)` is a file in the project, not a command on PATH. "
                + "Run it as `\(example)\(words.count > 1 ? " " + words.dropFirst().joined(separator: " ") : "")`."
        }
        return "Not run: `\(program)` is not a command here (not on PATH, not a file in the project). "
            + "Use run only for real shell commands such as `bash test.sh` or `python3 -m pytest -q`; "
            + "to change code use edit_file or write_file."
    }

    /// Whether `name` is an executable file in one of PATH's folders.
    static func onPath(_ name: String, path: String?) -> Bool {
        guard !name.contains("/") else { return false }
        for folder in (path ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: true) {
            if FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") { return true }
        }
        return false
    }
}
