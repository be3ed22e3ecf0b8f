import Foundation
import LoopCore
import Testing

/// The embedded copies must be exactly the files on disk: `scripts/gen-embedded` keeps them
/// in step, and these tests fail when someone edits a template and forgets to run it.
@Suite struct EmbeddedFilesTests {
    /// The repository root, found from this file's path (Tests/LoopCoreTests/<file>).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let embeddedFolders = ["templates", ".loop-skeleton", "examples"]

    /// Every regular file under the embedded folders, keyed by repo-relative path.
    static func filesOnDisk() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let manager = FileManager.default
        for folder in embeddedFolders {
            let top = "\(repositoryRoot)/\(folder)"
            let enumerator = try #require(manager.enumerator(atPath: top), "cannot list \(top)")
            while let relative = enumerator.nextObject() as? String {
                let path = "\(top)/\(relative)"
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                    continue
                }
                files["\(folder)/\(relative)"] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    @Test("every file under templates/, .loop-skeleton/ and examples/ is embedded, none extra")
    func embeddedPathsMatchDisk() throws {
        let onDisk = Set(try EmbeddedFilesTests.filesOnDisk().keys)
        let embedded = Set(EmbeddedFiles.all.keys)
        #expect(onDisk.subtracting(embedded).sorted() == [], "on disk but not embedded: run scripts/gen-embedded")
        #expect(embedded.subtracting(onDisk).sorted() == [], "embedded but gone from disk: run scripts/gen-embedded")
        #expect(onDisk.count >= 10)
    }

    @Test("every embedded string equals the file on disk, byte for byte")
    func embeddedContentsMatchDisk() throws {
        for (path, data) in try EmbeddedFilesTests.filesOnDisk() {
            let embedded = EmbeddedFiles.all[path].map { Data($0.utf8) }
            #expect(embedded == data, "\(path) differs from its embedded copy: run scripts/gen-embedded")
        }
    }

    @Test("the executable set matches the file modes on disk")
    func executablesMatchDisk() throws {
        let onDisk = Set(
            try EmbeddedFilesTests.filesOnDisk().keys.filter {
                FileManager.default.isExecutableFile(atPath: "\(EmbeddedFilesTests.repositoryRoot)/\($0)")
            })
        #expect(EmbeddedFiles.executables == onDisk)
        #expect(EmbeddedFiles.executables.contains("examples/agents/scripted-worker"))
        #expect(EmbeddedFiles.executables.contains("examples/agents/scripted-reviewer"))
    }

    @Test("files(under:) strips the folder and accepts a trailing slash")
    func filesUnderFolder() {
        let hello = EmbeddedFiles.files(under: "examples/hello")
        #expect(Set(hello.keys) == ["greet.sh", "test.sh", "task_card.json"])
        #expect(EmbeddedFiles.files(under: "examples/hello/") == hello)
        #expect(hello["test.sh"] == EmbeddedFiles.all["examples/hello/test.sh"])
    }

    @Test("the prompt templates and role fallbacks are exposed as strings")
    func templatesAreExposed() {
        #expect(EmbeddedTemplates.workerPrompt == EmbeddedFiles.all["templates/worker_prompt.txt"])
        #expect(EmbeddedTemplates.reviewerPrompt == EmbeddedFiles.all["templates/reviewer_prompt.txt"])
        #expect(EmbeddedTemplates.agentsFallback == EmbeddedFiles.all["templates/roles/AGENTS.md"])
        #expect(EmbeddedTemplates.codeWriterRole == EmbeddedFiles.all["templates/roles/code-writer.md"])
        #expect(EmbeddedTemplates.reviewerRole == EmbeddedFiles.all["templates/roles/reviewer.md"])
        for text in [
            EmbeddedTemplates.agentsFallback, EmbeddedTemplates.codeWriterRole, EmbeddedTemplates.reviewerRole,
        ] {
            #expect(!text.isEmpty)
        }
    }
}
