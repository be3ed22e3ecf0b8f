import Foundation
import LoopCore
import Testing

@testable import LoopAgent

@Suite struct AgentStdoutTests {
    @Test("notices get a line of their own between streamed tokens; tokens are written as they come")
    func noticesOnTheirOwnLines() {
        let written = Locked("")
        let output = AgentStdout { text in written.withLock { $0 += text } }
        output.write("[loop-agent] step 1/8")
        output.write("{\"action\": ")
        output.write("\"finish\"}")
        output.write("[loop-agent] step 2/8")
        output.write("\n[loop-agent] reply cut: runaway\n")
        output.write("line one\n")
        output.write("[loop-agent] done")
        #expect(
            written.value
                == "[loop-agent] step 1/8\n{\"action\": \"finish\"}\n[loop-agent] step 2/8\n[loop-agent] reply cut: runaway\nline one\n[loop-agent] done\n"
        )
    }
}
