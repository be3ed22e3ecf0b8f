import Foundation
import LoopCore
import Testing

/// `AtomicFile.write(together:)`: the files of one step, each atomic, one folder fsync each.
@Suite struct AtomicFileTogetherTests {
    @Test("every file of the step is replaced, in two folders, and no temp file is left")
    func writesAll() throws {
        let dir = try TempDir()
        try AtomicFile.write("old", to: "\(dir.path)/state.json")
        try AtomicFile.write(together: [
            AtomicFile.Item(Data("request".utf8), to: "\(dir.path)/review_request.json"),
            AtomicFile.Item(Data("verify".utf8), to: "\(dir.path)/run/verify.json"),
            AtomicFile.Item(Data("new".utf8), to: "\(dir.path)/state.json"),
        ])
        #expect(try String(contentsOfFile: "\(dir.path)/review_request.json", encoding: .utf8) == "request")
        #expect(try String(contentsOfFile: "\(dir.path)/run/verify.json", encoding: .utf8) == "verify")
        #expect(try String(contentsOfFile: "\(dir.path)/state.json", encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["review_request.json", "run", "state.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/run") == ["verify.json"])
    }

    @Test("when one temp file cannot be written, no file is replaced and no temp file is left")
    func nothingOnFailure() throws {
        let dir = try TempDir()
        try AtomicFile.write("old", to: "\(dir.path)/state.json")
        // A regular file where the second file's folder should be: its temp cannot be made.
        try AtomicFile.write("in the way", to: "\(dir.path)/run")
        #expect(throws: (any Error).self) {
            try AtomicFile.write(together: [
                AtomicFile.Item(Data("new".utf8), to: "\(dir.path)/state.json"),
                AtomicFile.Item(Data("verify".utf8), to: "\(dir.path)/run/verify.json"),
            ])
        }
        #expect(try String(contentsOfFile: "\(dir.path)/state.json", encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["run", "state.json"])
    }

    @Test("a bus document becomes a file of a step as the same bytes write(to:) writes")
    func documentFile() throws {
        let dir = try TempDir()
        let fixes = FixList(
            taskID: "T-1", runID: "run-1", round: 2, baseSHA: "a", headSHA: "b", fixes: [], priorRoundNotes: "",
            priorReviewNonBlocking: [])
        try fixes.write(to: "\(dir.path)/one.json")
        try AtomicFile.write(together: [try fixes.file(at: "\(dir.path)/two.json")])
        #expect(FileManager.default.contents(atPath: "\(dir.path)/one.json") == FileManager.default.contents(atPath: "\(dir.path)/two.json"))
    }
}

/// `AtomicFile.hardLink`: the archive's second name for a file the PM only replaces whole.
@Suite struct AtomicFileHardLinkTests {
    @Test("the link keeps the content of its moment, a second link of the same file leaves no temp, a missing source is false")
    func linkKeepsItsMoment() throws {
        let dir = try TempDir()
        let bus = "\(dir.path)/state.json"
        let archived = "\(dir.path)/archive/r1_state.json"
        try Filesystem.createDirectory("\(dir.path)/archive")
        try AtomicFile.write("round 1", to: bus)
        #expect(AtomicFile.hardLink(bus, to: archived))
        // Archived again (a resume redoes the round's end): the same file under both names.
        #expect(AtomicFile.hardLink(bus, to: archived))
        try AtomicFile.write("round 2", to: bus)
        #expect(try String(contentsOfFile: archived, encoding: .utf8) == "round 1")
        #expect(try String(contentsOfFile: bus, encoding: .utf8) == "round 2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/archive") == ["r1_state.json"])
        #expect(!AtomicFile.hardLink("\(dir.path)/missing.json", to: "\(dir.path)/archive/r1_missing.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/archive") == ["r1_state.json"])
    }
}
