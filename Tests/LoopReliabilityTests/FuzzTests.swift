#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore
import LoopTestSupport
import Testing

extension Reliability {
    /// Issue item 5 (in the test suite): a seeded, structure-aware mutation fuzzer over every
    /// bus decoder and the config loader. `swift test` runs 2,000 inputs per decoder; the full
    /// matrix 12,000. `scripts/reliability` also runs libFuzzer (`Sources/LoopFuzz`).
    @Suite(.serialized, .timeLimit(.minutes(5)))
    struct Fuzzing {
        static let inputs = Matrix.isFull ? 12_000 : 2_000

        /// `/dev/shm` (memory) when writable: rewriting a file per input on disk is what costs most.
        static let fastTemporaryDirectory = access("/dev/shm", W_OK) == 0 ? "/dev/shm/" : NSTemporaryDirectory()

        @Test("no input crashes a decoder or breaks its properties", arguments: FuzzDecoder.allCases)
        func fuzzDecoder(_ decoder: FuzzDecoder) throws {
            let seeds = decoder.seeds
            #expect(!seeds.isEmpty, "no seed corpus for \(decoder.rawValue)")
            let folder = Self.fastTemporaryDirectory + "loop-rel-fuzz-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let scratch = try ScratchFile(path: "\(folder)/\(decoder == .config ? "config.yaml" : "\(decoder.rawValue).json")")
            // The seed is fixed so a failure reproduces; LOOP_FUZZ_SEED picks another.
            let base = UInt64(ProcessInfo.processInfo.environment["LOOP_FUZZ_SEED"] ?? "") ?? 0x10_0F
            var mutator = Mutator(
                seed: base &* 31 &+ UInt64(FuzzDecoder.allCases.firstIndex(of: decoder) ?? 0),
                seeds: seeds, isYAML: decoder == .config, identity: FuzzDecoder.identityFields)
            let lastPath = "\(Self.fastTemporaryDirectory)loop-rel-fuzz-last-\(decoder.rawValue)"
            let last = try ScratchFile(path: lastPath)
            var failures: [String] = []
            var slowest = 0.0
            var slowInputs = 0
            let started = ContinuousClock.now
            for index in 0..<Self.inputs {
                let input = index < seeds.count ? seeds[index] : mutator.next()
                // Kept until the next input, so a crash leaves the input that caused it behind.
                last.overwrite(with: input)
                let before = ContinuousClock.now
                let violations = decoder.run(input, scratch: scratch)
                let seconds = (ContinuousClock.now - before).seconds
                slowest = max(slowest, seconds)
                if seconds > 1 { slowInputs += 1 }
                if !violations.isEmpty, failures.count < 5 {
                    let kept = "\(NSTemporaryDirectory())loop-rel-fuzz-\(decoder.rawValue)-\(index)"
                    _ = FileManager.default.createFile(atPath: kept, contents: input)
                    failures.append("input \(index) (\(kept)): \(violations.joined(separator: "; "))")
                }
            }
            unlink(lastPath)
            var fields: [String: JSONValue] = [:]
            fields.put("engine", "property-based mutation (swift test)")
            fields.put("decoder", decoder.rawValue)
            fields.put("inputs", Self.inputs)
            fields.put("crashes", 0)
            fields.put("property_violations", failures.count)
            fields.put("slowest_input_s", slowest)
            fields.put("inputs_over_1s", slowInputs)
            fields.put("seconds", (ContinuousClock.now - started).seconds)
            Recorder.record(suite: "fuzz", name: "\(decoder.rawValue) (mutation)", passed: failures.isEmpty, fields)
            #expect(failures.isEmpty, "\(decoder.rawValue): \(failures)")
        }

        /// Regression — a bug this suite found (fixed on main): a config.yaml key like `[a]: 1` crashes every loop command (SIGILL, exit 132) in Yams Constructor.swift:448

        @Test("a config.yaml whose mapping key is not a scalar is a clear exit 1 naming the file, not a crash")
        func nonScalarConfigKeyIsAnError() async throws {
            let box = try await TestRepo.make(agents: .runEveryLine)
            try box.writeCard()
            try box.useAgents()
            try box.write(".loop/config.yaml", try box.read(".loop/config.yaml") + "[a]: 1\n")
            let config = try await box.loop(["config"])
            let run = try await box.run()
            for result in [config, run] {
                #expect(result.exitCode == 1, "\(result.output)")
                #expect(result.stderr.contains("config.yaml"), "\(result.stderr)")
                #expect(!result.output.contains("Fatal error"), "\(result.output)")
            }
        }
    }
}
