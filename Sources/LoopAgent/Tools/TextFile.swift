import Foundation

/// Reads a workspace file as UTF-8 text, refusing what a model should not get as text.
///
/// Binaries (a NUL byte in the first 8 KiB, or invalid UTF-8), devices and FIFOs (reading
/// one could block forever) and files over the size limit are refused with a message that
/// says what to do instead.
enum TextFile {
    /// Why a file was not read.
    struct Refusal: Error, Sendable, Equatable {
        var message: String
    }

    /// The text of the file at `resolved`, or a refusal.
    static func read(_ resolved: Workspace.Resolved, limit: Int) throws -> String {
        let shown = resolved.relative
        guard resolved.exists, case .success(let info) = FileProbe.target(resolved.absolute) else {
            throw Refusal(message: "file '\(shown)' does not exist; use list_dir or search to find the right path")
        }
        switch info.kind {
        case .directory:
            throw Refusal(message: "'\(shown)' is a folder; use list_dir to see what it contains")
        case .regular:
            break
        default:
            throw Refusal(message: "'\(shown)' is not a regular file (a device, socket or pipe); it cannot be read")
        }
        guard info.size <= limit else {
            throw Refusal(
                message:
                    "file '\(shown)' is \(info.size) bytes, over the \(limit)-byte limit; use search to find the part you need"
            )
        }
        guard let data = FileManager.default.contents(atPath: resolved.absolute) else {
            throw Refusal(message: "file '\(shown)' cannot be read (permission denied?)")
        }
        guard let text = decode(data) else {
            throw Refusal(message: "file '\(shown)' looks binary (or is not UTF-8); it cannot be shown as text")
        }
        return text
    }

    /// The UTF-8 text of `data`, or nil when it looks binary.
    static func decode(_ data: Data) -> String? {
        if looksBinary(data) { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// True when the first 8 KiB hold a NUL byte (the heuristic git and grep use).
    static func looksBinary(_ data: Data) -> Bool {
        data.prefix(8192).contains(0)
    }

    /// The lines of `text` without their terminators (`\n` or `\r\n`; a final newline adds no
    /// empty line).
    ///
    /// Splits on Unicode scalars: Swift treats `\r\n` as one `Character`, so a `Character`
    /// split on `\n` would miss every CRLF line.
    static func lines(_ text: String) -> [String] {
        let scalars = text.unicodeScalars
        var lines = scalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.last == "\r" ? line.dropLast() : line)
        }
        if scalars.last == "\n" { lines.removeLast() }
        return lines
    }
}
