import Foundation

/// Refuses obviously destructive shell commands when the shell runs without a sandbox
/// (`--unsafe-shell`).
///
/// This is a last line of defence against a confused model, not a sandbox: any blocklist
/// is bypassed by a determined writer (`eval`, base64, a script file). It catches the
/// well-known disasters (peers.md: loop-orchestration and Loom deny-lists): deleting `/` or
/// the home folder, formatting or overwriting disks, power commands, fork bombs, piping a
/// download into a shell, recursive permission changes on `/`, `sudo`, and killing the
/// PM or every process. Commands are matched in command position where a word could also
/// be harmless text (`grep shutdown src` is fine).
package enum CommandBlocklist {
    /// Start of a command: line start or after `; & | ( `` $(`, then optional wrappers
    /// (`sudo`, `env`, `xargs`, ...) and an optional directory (`/sbin/`).
    private static let commandStart =
        #"(?:^|[;&|(`\n]|\$\()\s*(?:(?:sudo|doas|exec|command|nohup|env|time|nice|xargs)\s+(?:-\S+\s+)*)*(?:/\S*/)?"#
    /// End of an argument.
    private static let argumentEnd = #"(?=\s|$|[;&|)`])"#
    /// `/`, `/*`, `~`, `~/`, `~/*`, `$HOME`, `${HOME}` and their `/` and `/*` forms.
    private static let rootOrHome = #"(?:/\*?|~/?\*?|\$home/?\*?|\$\{home\}/?\*?)"#

    private struct Rule: Sendable {
        var pattern: String
        var reason: String
    }

    private static let rules: [Rule] = [
        Rule(
            pattern: commandStart + #"rm\b[^;&|\n]*\s"# + rootOrHome + argumentEnd,
            reason: "it would delete the root or home folder"),
        Rule(pattern: #"--no-preserve-root\b"#, reason: "it would delete the root folder"),
        Rule(pattern: commandStart + #"mkfs(?:\.\w+)?\b"#, reason: "it formats a disk"),
        Rule(pattern: commandStart + #"(?:shutdown|reboot|halt|poweroff)\b"#, reason: "it stops the machine"),
        Rule(pattern: #"\bsystemctl\s+(?:poweroff|reboot|halt|kexec)\b"#, reason: "it stops the machine"),
        Rule(pattern: commandStart + #"(?:telinit|init)\s+[06]\b"#, reason: "it stops the machine"),
        Rule(
            pattern: commandStart + #"dd\b[^;&|\n]*\bof=/dev/(?!null\b|zero\b|stdout\b|stderr\b)"#,
            reason: "it writes raw data to a device"),
        Rule(pattern: #">\s*/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|mapper/)"#, reason: "it overwrites a disk device"),
        Rule(pattern: #"(\S+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&"#, reason: "it is a fork bomb"),
        Rule(
            pattern: #"\b(?:curl|wget)\b[^;&\n]*\|\s*(?:sudo\s+)?(?:\S*/)?(?:ba|z|da|k|fi)?sh\b"#,
            reason: "it runs a downloaded script"),
        Rule(pattern: #"\b(?:ba|z)?sh\s+<\(\s*(?:curl|wget)\b"#, reason: "it runs a downloaded script"),
        Rule(
            pattern: commandStart + #"ch(?:mod|own|grp)\b[^;&|\n]*(?:\s-\w*R\w*|\s--recursive)\b[^;&|\n]*\s/\*?"#
                + argumentEnd,
            reason: "it changes permissions of the whole system"),
        Rule(pattern: commandStart + #"(?:sudo|doas|su)"# + argumentEnd, reason: "it asks for root privileges"),
        Rule(
            pattern: commandStart + #"(?:kill|pkill|killall)\b[^;&|\n]*(?:\$PPID\b|\$\{PPID\})"#,
            reason: "it would kill the agent that runs it"),
        Rule(
            pattern: commandStart + #"kill\b[^;&|\n]*\s(?:--\s+)?-?1"# + argumentEnd,
            reason: "it would kill every process (or init)"),
        Rule(pattern: commandStart + #"killall5\b"#, reason: "it would kill every process"),
    ]

    private static let compiled: [(NSRegularExpression, String)] = rules.compactMap { rule in
        guard let regex = try? NSRegularExpression(pattern: rule.pattern, options: [.caseInsensitive]) else {
            assertionFailure("bad blocklist pattern \(rule.pattern)")
            return nil
        }
        return (regex, rule.reason)
    }

    /// Why `command` is refused, or nil when it may run.
    package static func reason(for command: String) -> String? {
        let range = NSRange(command.startIndex..., in: command)
        for (regex, reason) in compiled where regex.firstMatch(in: command, range: range) != nil {
            return reason
        }
        return nil
    }
}
