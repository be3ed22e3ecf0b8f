import Foundation
import LoopCore
import Testing

@testable import LoopAgent

/// A throwaway workspace (and a sibling "outside" folder) for one test, removed by `cleanUp`.
///
/// The base folder is a real path (`/tmp` is not a symlink here, but `realpath` makes sure),
/// so paths in expectations match what `Workspace` reports.
struct ToolSandboxFixture {
    let base: String
    let root: String
    let outside: String
    let workspace: Workspace

    init() throws {
        let raw = NSTemporaryDirectory() + "loop-tools-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: raw + "/ws", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: raw + "/outside", withIntermediateDirectories: true)
        base = FileProbe.realPath(raw) ?? raw
        root = base + "/ws"
        outside = base + "/outside"
        workspace = try Workspace(root: root)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Writes `text` at `relative` under the root, creating folders.
    func write(_ relative: String, _ text: String, under folder: String? = nil) throws {
        let path = (folder ?? root) + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: target)
    }
}
