import Foundation
import LoopCore

/// The lines written at the top of a dispatch's log, before the agent's own output.
///
/// They answer "what exactly was run, where": time, backend, argv and folder. The prompt
/// itself is never copied in (it is in the prompt file), and anything that looks like a
/// secret is masked, since logs get pasted into bug reports.
enum DispatchLogHeader {
    static func text(backend: String, invocation: Invocation, request: DispatchRequest, time: String) -> String {
        let lines = [
            "==> \(time) loop dispatch: backend \(backend), role \(request.role.rawValue), round \(request.round), "
                + "task \(request.taskID), run \(request.runID)",
            "    argv: \(invocation.displayArguments.map(shellQuoted).joined(separator: " "))",
            "    cwd: \(request.workdir)",
            "    stdin: \(invocation.stdinFile ?? "/dev/null")",
        ]
        return SecretRedactor.redact(lines.joined(separator: "\n"))
    }

    /// Appends the header to `request.logPath` (creating its folder). Failing to log never
    /// stops a dispatch; the runner reports a log it cannot open in its own way.
    static func write(backend: String, invocation: Invocation, request: DispatchRequest) {
        guard !request.logPath.isEmpty else { return }
        let header = text(backend: backend, invocation: invocation, request: request, time: Timestamp.now())
        try? AtomicFile.appendLine(header, to: request.logPath)
    }

    /// `word` as a POSIX shell would need it, so the argv line can be pasted into a terminal.
    static func shellQuoted(_ word: String) -> String {
        let safe = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty, word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
