import Foundation
import Testing

@testable import LoopCore

/// The bus's timestamps, written and read without ICU, must say what Foundation's ISO 8601
/// style says.
@Suite
struct TimestampTests {
    static let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    @Test("written exactly as Foundation writes them, across leap days, centuries and the epoch")
    func formatMatchesFoundation() {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Double] = [0, -0.5, 951_782_400, 4_107_542_399.999, 1_796_394_865.518, 253_402_300_799.999]
        for _ in 0..<2000 { seconds.append(Double(Int64.random(in: -2_208_988_800...253_402_300_799, using: &generator)) + Double(Int.random(in: 0..<1000)) / 1000) }
        for value in seconds {
            let date = Date(timeIntervalSince1970: value)
            #expect(Timestamp.format(date) == date.formatted(Self.foundation), "\(value)")
        }
    }

    @Test("read back within the millisecond written, with and without a fraction, in UTC or with an offset")
    func parse() throws {
        let date = Date(timeIntervalSince1970: 1_796_394_865.518)
        let read = try #require(Timestamp.parse(Timestamp.format(date)))
        #expect(abs(read.timeIntervalSince1970 - 1_796_394_865.518) < 0.001)  // written truncated to the millisecond, as Foundation does
        #expect(Timestamp.parse("2026-12-04T14:52:34Z")?.timeIntervalSince1970 == 1_796_395_954)
        #expect(Timestamp.parse("2026-12-04T16:52:34+02:00")?.timeIntervalSince1970 == 1_796_395_954)
        #expect(Timestamp.parse("2026-12-04T14:22:34.25-00:30")?.timeIntervalSince1970 == 1_796_395_954.25)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") != nil)
        for bad in ["", "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-12-04 14:52:34Z", "2026-12-04T14:52:34",
            "2026-12-04T24:00:00Z", "2026-12-04T14:52:34.Z", "2026-12-04T14:52:34+0200", "yesterday"]
        {
            #expect(Timestamp.parseFixed(Array(bad.utf8)) == nil, "\(bad)")
        }
        #expect(Timestamp.parse("yesterday") == nil)
    }
}
