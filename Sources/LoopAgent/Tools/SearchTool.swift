import Foundation

/// `search {pattern, path?}`: a regular expression over the workspace's text files,
/// answered as `file:line: text`.
///
/// Deterministic (files in sorted order) and bounded: at most `searchHits` matches,
/// `searchFiles` files and a wall-clock budget, skipping `.git`, binaries, files over
/// `searchFileBytes`, symlinks (a symlinked file is found at its real place; a symlinked
/// folder could lead outside) and, when walking, the build folders `.build` and
/// `node_modules` (pass them as `path` to search inside). ICU regexes backtrack, so a
/// pathological pattern on one long line can still be slow; lines are cut to 4 KiB before
/// matching to bound that.
struct SearchTool {
    let workspace: Workspace
    let limits: ToolLimits

    /// Folders skipped while walking (not when named as `path`).
    static let skippedFolders: Set<String> = [".git", ".build", "node_modules"]
    /// Longest part of a line the regex sees.
    static let matchedLineBytes = 4096
    /// Wall-clock budget for one search.
    static let timeBudget: Duration = .seconds(10)

    private struct Scan {
        var hits: [String] = []
        var matchedFiles: Set<String> = []
        var files = 0
        var skippedLarge = 0
        var skippedBinary = 0
        var stopReason: String?
    }

    func callAsFunction(_ arguments: ToolArguments) throws -> ToolResult {
        let pattern = try arguments.string("pattern")
        let resolved = try workspace.resolve(try arguments.optionalString("path") ?? ".")
        guard !pattern.isEmpty else { throw ToolFailure("pattern must not be empty") }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            throw ToolFailure(
                "invalid regex '\(pattern)'; escape special characters such as ( ) [ ] . * + ? with a backslash")
        }
        guard resolved.exists, case .success(let info) = FileProbe.target(resolved.absolute) else {
            throw ToolFailure("path '\(resolved.relative)' does not exist; use list_dir to find the right path")
        }
        var scan = Scan()
        let deadline = ContinuousClock.now + Self.timeBudget
        if info.kind == .directory {
            walk(resolved.absolute, regex: regex, scan: &scan, deadline: deadline)
        } else {
            searchFile(resolved.absolute, size: info.size, regex: regex, scan: &scan)
        }
        return ToolResult(text: report(scan, pattern: pattern, in: resolved.relative))
    }

    private func walk(_ folder: String, regex: NSRegularExpression, scan: inout Scan, deadline: ContinuousClock.Instant)
    {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names.sorted() {
            if scan.stopReason != nil { return }
            if ContinuousClock.now > deadline {
                scan.stopReason = "stopped after \(Self.timeBudget) (time limit); narrow the pattern or pass a path"
                return
            }
            let path = folder + "/" + name
            guard case .success(let entry) = FileProbe.entry(path) else { continue }
            switch entry.kind {
            case .directory where !Self.skippedFolders.contains(name):
                walk(path, regex: regex, scan: &scan, deadline: deadline)
            case .regular:
                searchFile(path, size: entry.size, regex: regex, scan: &scan)
            default:
                continue
            }
        }
    }

    private func searchFile(_ path: String, size: Int, regex: NSRegularExpression, scan: inout Scan) {
        guard size <= limits.searchFileBytes else {
            scan.skippedLarge += 1
            return
        }
        scan.files += 1
        if scan.files > limits.searchFiles {
            scan.stopReason = "stopped after \(limits.searchFiles) files; pass a path to search a smaller part"
            return
        }
        guard let data = FileManager.default.contents(atPath: path), let text = TextFile.decode(data) else {
            scan.skippedBinary += 1
            return
        }
        let shown = workspace.relative(path)
        for (index, line) in TextFile.lines(text).enumerated() {
            var subject = line
            if subject.utf8.count > Self.matchedLineBytes {
                subject = String(decoding: subject.utf8.prefix(Self.matchedLineBytes), as: UTF8.self)
            }
            let range = NSRange(subject.startIndex..., in: subject)
            guard regex.firstMatch(in: subject, range: range) != nil else { continue }
            var shownLine = subject.trimmingWhitespace()
            if shownLine.count > limits.lineCharacters {
                shownLine = String(shownLine.prefix(limits.lineCharacters)) + " ..."
            }
            scan.hits.append("\(shown):\(index + 1): \(shownLine)")
            scan.matchedFiles.insert(shown)
            if scan.hits.count >= limits.searchHits {
                scan.stopReason = "stopped after \(limits.searchHits) matches; use a more specific pattern or a path"
                return
            }
        }
    }

    private func report(_ scan: Scan, pattern: String, in place: String) -> String {
        let scope = place == "." ? "the project" : "'\(place)'"
        var lines: [String] = []
        if scan.hits.isEmpty {
            lines.append("no matches for /\(pattern)/ in \(scope) (\(scan.files) files searched)")
        } else {
            lines.append("\(scan.hits.count) matches in \(scan.matchedFiles.count) files for /\(pattern)/ in \(scope):")
            lines += scan.hits
        }
        if let reason = scan.stopReason { lines.append("[\(reason)]") }
        var skipped: [String] = []
        if scan.skippedLarge > 0 { skipped.append("\(scan.skippedLarge) large") }
        if scan.skippedBinary > 0 { skipped.append("\(scan.skippedBinary) binary") }
        if !skipped.isEmpty { lines.append("[skipped \(skipped.joined(separator: " and ")) files]") }
        return lines.joined(separator: "\n")
    }
}
