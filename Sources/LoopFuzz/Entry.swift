import Foundation
import LoopTestSupport

/// The decoder chosen with `LOOP_FUZZ_TARGET` (one of `FuzzDecoder`'s raw values).
///
/// The decoders and their properties are `LoopTestSupport`'s `FuzzDecoder`, the same the
/// property fuzzer in `LoopReliabilityTests` runs: this executable only feeds libFuzzer's
/// inputs to it and turns a violated property into a crash, which is what libFuzzer reports.
let selectedTarget: FuzzDecoder = {
    let name = ProcessInfo.processInfo.environment["LOOP_FUZZ_TARGET"] ?? ""
    guard let target = FuzzDecoder(rawValue: name) else {
        let names = FuzzDecoder.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("LoopFuzz: set LOOP_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// The file the decoders that read from disk get, rewritten for every input: in `/dev/shm`
/// (memory) when writable, one per process.
let scratch: ScratchFile = {
    let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
    let folder = base + "loop-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try ScratchFile(path: "\(folder)/\(selectedTarget.scratchFileName)")
    } catch {
        FileHandle.standardError.write(Data("LoopFuzz: cannot make a scratch file: \(error)\n".utf8))
        exit(2)
    }
}()

/// Runs one input; a violated property stops the process (a crash for libFuzzer).
func fuzz(_ data: Data) {
    let violations = selectedTarget.run(data, scratch: scratch)
    guard !violations.isEmpty else { return }
    let lines = violations.map { "LoopFuzz[\(selectedTarget.rawValue)]: property violated: \($0)\n" }
    FileHandle.standardError.write(Data(lines.joined().utf8))
    abort()
}

/// libFuzzer's entry point. Build with
/// `swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DLOOP_LIBFUZZER --product LoopFuzz`
/// and run `LOOP_FUZZ_TARGET=work_report .build/release/LoopFuzz -runs=10000 <corpus folder>`.
@_cdecl("LLVMFuzzerTestOneInput")
package func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    fuzz(Data(bytes: bytes, count: count))
    return 0
}

#if LOOP_LIBFUZZER
    /// libFuzzer's driver (in `libclang_rt.fuzzer`, linked by `-sanitize=fuzzer`).
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links an executable with `main` aliased to `<module>_main`, so libFuzzer's own
    /// `main` is never linked: this one hands control to libFuzzer's driver.
    @_cdecl("LoopFuzz_main")
    package func loopFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var vector = argv
        return runFuzzerDriver(&count, &vector) { bytes, size in
            guard let bytes else { return 0 }
            return fuzzOneInput(bytes, size)
        }
    }
#else
    /// Without libFuzzer: replays files (or every file in folders) through the target, e.g. to
    /// reproduce a crash libFuzzer saved: `LOOP_FUZZ_TARGET=config LoopFuzz crash-1234`.
    @main
    enum Replay {
        static func main() {
            var count = 0
            for argument in CommandLine.arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
                let files = isDirectory.boolValue
                    ? ((try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []).sorted().map { "\(argument)/\($0)" }
                    : [argument]
                for file in files {
                    guard let data = FileManager.default.contents(atPath: file) else { continue }
                    fuzz(data)
                    count += 1
                }
            }
            print("LoopFuzz[\(selectedTarget.rawValue)]: \(count) inputs replayed, no property violated")
        }
    }
#endif
