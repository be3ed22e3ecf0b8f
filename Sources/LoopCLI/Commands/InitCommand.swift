import ArgumentParser
import Foundation
import LoopCore

/// `loop init`: lays down `.loop/` (config, prompt templates, example task card, README, .gitignore).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create .loop/ with a commented config, the prompt templates and an example task card.",
        discussion: """
            Safe to run again at any time: missing files are created, files you edited
            are kept. With --force, edited files are replaced with the built-in
            versions; each one is first saved next to it as <name>.bak-<time>, so
            nothing you wrote is lost.

              loop init                       create .loop/ in the current folder
              loop init --force               restore the built-in config and templates
              loop init --loop-dir ci/.loop   use another bus folder
            """
    )

    @Flag(help: "Replace files you edited with the built-in versions (each is first saved as <name>.bak-<time>).")
    var force = false

    @Option(name: .customLong("loop-dir"), help: "The bus folder to create.")
    var loopDir = ".loop"

    func run() throws {
        let installer = SkeletonInstaller(loopDir: loopDir, force: force)
        let results = try installer.install()
        let shownRoot = loopDir.count > 1 && loopDir.hasSuffix("/") ? String(loopDir.dropLast()) : loopDir
        let shown = { (relative: String) in "\(shownRoot)/\(relative)" }
        for result in results {
            switch result.action {
            case .created, .unchanged:
                print("\(result.action.rawValue) \(shown(result.relativePath))")
            case .kept:
                print("kept \(shown(result.relativePath)) (edited; use --force to replace)")
            case .replaced:
                let backup = result.backupPath.map { ($0 as NSString).lastPathComponent } ?? "a .bak copy"
                print("replaced \(shown(result.relativePath)) (your version saved as \(backup))")
            }
        }
        print(nextStep(loopDir: installer.loopDir, shown: shown))
    }

    /// The hint after the file list: write a task card first unless there is one.
    private func nextStep(loopDir: String, shown: (String) -> String) -> String {
        let cardPath = "\(loopDir)/\(BusPaths.taskCard)"
        let run = BusPaths(loopDir: loopDir).command("run --auto-dispatch")
        if FileManager.default.fileExists(atPath: cardPath) {
            return "Next: \(run)"
        }
        return "Next: write \(shown(BusPaths.taskCard)) (start from \(shown("examples/task_card.json"))), "
            + "then run: \(run)"
    }
}
