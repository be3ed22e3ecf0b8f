import Foundation
import LoopCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `done` half of the PM's pipes to a round subprocess (GoPipe): only a pipe the PM gave
/// is ever written to, and the variable naming it never reaches what the round starts.
@Suite(.serialized)
struct GoPipeTests {
    @Test("a done descriptor that is a pipe is taken, and the variable leaves the environment")
    func pipeIsTaken() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        setenv(GoPipe.doneVariable, String(fds[1]), 1)
        #expect(GoPipe.takeDoneDescriptor() == fds[1])
        #expect(getenv(GoPipe.doneVariable) == nil)
        // Close-on-exec now: nothing the round starts holds the PM's pipe open.
        #expect(fcntl(fds[1], F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test("an inherited variable naming a file (not a pipe) is ignored: nothing is written to it")
    func fileIsLeftAlone() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gopipe-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        try #require(fd > 2)
        defer {
            close(fd)
            unlink(path)
        }
        setenv(GoPipe.doneVariable, String(fd), 1)
        #expect(GoPipe.takeDoneDescriptor() == nil)
        #expect(getenv(GoPipe.doneVariable) == nil)
        var info = stat()
        #expect(fstat(fd, &info) == 0 && info.st_size == 0)
    }
}
