import Foundation
import LoopCore
import Testing

/// The outputs below are copied from real runs (pytest 9, Python 3.11 unittest, Swift 6.3 on
/// Linux, node 20, cargo 1.x), trimmed where long; go and jest/vitest follow their documented
/// formats.
@Suite struct TestCountsTests {
    private func counts(_ passed: Int, _ failed: Int, _ skipped: Int, _ runner: String) -> TestCounts {
        TestCounts(passed: passed, failed: failed, skipped: skipped, runner: runner)
    }

    // MARK: pytest

    @Test("pytest's full summary: errors are failures, xfailed skipped, xpassed passed, warnings ignored")
    func pytestFull() {
        let output = """
            ============================= test session starts ==============================
            platform linux -- Python 3.11.7, pytest-9.0.3, pluggy-1.6.0
            rootdir: /tmp/cs
            collected 13 items

            test_a.py ..FsxXE.FF.sx                                                  [100%]

            =================================== FAILURES ===================================
            ____________________________________ test_f ____________________________________

            >   def test_f(): assert 1 == 2
            E   assert 1 == 2

            test_a.py:4: AssertionError
            =========================== short test summary info ============================
            FAILED test_a.py::test_f - assert 1 == 2
            ERROR test_a.py::test_e - RuntimeError
            = 3 failed, 4 passed, 2 skipped, 2 xfailed, 1 xpassed, 1 warning, 1 error in 3.52s =
            """
        #expect(TestCounts.parse(output) == counts(5, 4, 4, "pytest"))
    }

    @Test(
        "pytest summary lines, with and without the = rule",
        arguments: [
            ("===== 3 passed, 1 failed, 2 skipped in 0.12s =====", 3, 1, 2),
            ("== 1 failed, 4 passed, 1 xfailed, 1 error in 1.2s ==", 4, 2, 1),
            ("5 passed in 0.01s", 5, 0, 0),
            ("3 passed, 1 skipped in 0.05s", 3, 0, 1),
            ("============================= no tests ran in 2.96s =============================", 0, 0, 0),
            ("13 deselected in 2.34s", 0, 0, 0),
            ("======= 2 passed, 3 warnings in 83.05s (0:01:23) =======", 2, 0, 0),
        ])
    func pytestLines(line: String, passed: Int, failed: Int, skipped: Int) {
        let output = "collected 6 items\n\ntest_x.py ..F.s.\n" + line + "\n"
        #expect(TestCounts.parse(output) == counts(passed, failed, skipped, "pytest"))
    }

    @Test("pytest -q output")
    func pytestQuiet() {
        let output = """
            ..FsxXE.FF.sx                                                            [100%]
            FAILED test_a.py::test_f - assert 1 == 2
            ERROR test_a.py::test_e - RuntimeError
            3 failed, 4 passed, 2 skipped, 2 xfailed, 1 xpassed, 1 warning, 1 error in 2.88s
            """
        #expect(TestCounts.parse(output) == counts(5, 4, 4, "pytest"))
    }

    // MARK: unittest

    @Test("unittest: failures and errors are failed, expected failures skipped")
    func unittestFailed() {
        let output = """
            .Fsx.E
            ======================================================================
            ERROR: test_err (test_a.T.test_err)
            ----------------------------------------------------------------------
            Traceback (most recent call last):
              File "/tmp/cs/test_a.py", line 17, in test_err
                def test_err(self): raise ValueError()
            ValueError

            ----------------------------------------------------------------------
            Ran 5 tests in 0.001s

            FAILED (failures=1, errors=1, skipped=1, expected failures=1)
            """
        #expect(TestCounts.parse(output) == counts(1, 2, 2, "unittest"))
    }

    @Test(
        "unittest status lines",
        arguments: [
            ("Ran 5 tests in 0.001s\n\nOK", 5, 0, 0),
            ("Ran 5 tests in 0.005s\n\nOK (skipped=2)", 3, 0, 2),
            ("Ran 1 test in 0.000s\n\nFAILED (errors=1)", 0, 1, 0),
        ])
    func unittestStatus(tail: String, passed: Int, failed: Int, skipped: Int) {
        let output = "..s\n----------------------------------------------------------------------\n" + tail + "\n"
        #expect(TestCounts.parse(output) == counts(passed, failed, skipped, "unittest"))
    }

    @Test("`Ran N tests` without a status line after it is not a summary")
    func unittestWithoutStatus() {
        #expect(TestCounts.parse("Ran 5 tests in 0.001s\nthen the machine caught fire\n") == nil)
    }

    // MARK: Swift Testing

    @Test("Swift Testing: failed tests counted once each, parameterized cases not separately, skips counted")
    func swiftTestingFailed() {
        let output = """
            Building for debugging...
            Build complete! (19.72s)
            Test Suite 'All tests' started at 2026-12-04 05:42:02.625
            Test Suite 'All tests' passed at 2026-12-04 05:42:02.626
            \t Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds
            ◇ Test run started.
            ↳ Testing Library Version: 6.3.1 (937120cbc281cf2)
            ↳ Target Platform: x86_64-unknown-linux-gnu
            ◇ Suite S started.
            ◇ Test top() started.
            ◇ Test bad() started.
            ◇ Test ok() started.
            ➜ Test sk() skipped: "nope"
            ◇ Test par(x:) started.
            ✔ Test top() passed after 0.001 seconds.
            ✘ Test bad() recorded an issue at T.swift:5:22: Expectation failed: 1 == 2
            ✘ Test bad() recorded an issue at T.swift:5:39: Expectation failed: 2 == 3
            ◇ Test case passing 1 argument x → 1 to par(x:) started.
            ◇ Test case passing 1 argument x → 2 to par(x:) started.
            ✘ Test par(x:) recorded an issue with 1 argument x → 2 at T.swift:7:50: Expectation failed: (x → 2) != 2
            ◇ Test case passing 1 argument x → 3 to par(x:) started.
            ✘ Test bad() failed after 0.001 seconds with 2 issues.
            ✔ Test ok() passed after 0.001 seconds.
            ✘ Test par(x:) with 3 test cases failed after 0.001 seconds with 1 issue.
            ✘ Suite S failed after 0.001 seconds with 3 issues.
            ✘ Test run with 5 tests in 1 suite failed after 0.002 seconds with 3 issues.
            """
        #expect(TestCounts.parse(output) == counts(2, 2, 1, "swift-testing"))
    }

    @Test("Swift Testing: a passing run, macOS SF Symbols glyphs")
    func swiftTestingPassed() {
        let output = """
            􀟈 Test run started.
            􀄵 Testing Library Version: 102 (arm64e-apple-macos13.0)
            􀟈 Test a() started.
            􀙟 Test b() skipped.
            􁁛 Test a() passed after 0.001 seconds.
            􁁛 Test run with 12 tests in 3 suites passed after 0.5 seconds.
            """
        #expect(TestCounts.parse(output) == counts(11, 0, 1, "swift-testing"))
    }

    @Test("Swift Testing in plain ASCII, and a failed summary with no per-test lines still counts one failure")
    func swiftTestingASCII() {
        #expect(
            TestCounts.parse("Test run started.\nTest run with 12 tests passed after 0.5 seconds.\n")
                == counts(12, 0, 0, "swift-testing"))
        #expect(
            TestCounts.parse("[build] ok\nTest run with 1 test in 1 suite failed after 0.5 seconds with 2 issues.")
                == counts(0, 1, 0, "swift-testing"))
        // Only the issue lines survived (the output was cut): distinct tests with issues.
        let cut = """
            ✘ Test a() recorded an issue at A.swift:1:1: Expectation failed
            ✘ Test a() recorded an issue at A.swift:2:1: Expectation failed
            ✘ Test b() recorded an issue at A.swift:3:1: Expectation failed
            ✘ Test run with 12 tests in 3 suites failed after 0.5 seconds with 3 issues.
            """
        #expect(TestCounts.parse(cut) == counts(10, 2, 0, "swift-testing"))
    }

    // MARK: XCTest

    @Test("XCTest on Linux: failed tests from the Test Case lines, not the assertion count")
    func xctest() {
        let output = """
            Test Suite 'All tests' started at 2026-12-04 05:42:02.625
            Test Suite 'debug.xctest' started at 2026-12-04 05:42:02.685
            Test Suite 'XT' started at 2026-12-04 05:42:02.685
            Test Case 'XT.testBad' started at 2026-12-04 05:42:02.685
            /tmp/cs/sp/Tests/LT/T.swift:12: error: XT.testBad : XCTAssertEqual failed: ("1") is not equal to ("2") -
            /tmp/cs/sp/Tests/LT/T.swift:12: error: XT.testBad : XCTAssertEqual failed: ("2") is not equal to ("3") -
            Test Case 'XT.testBad' failed (0.01 seconds)
            Test Case 'XT.testOk' started at 2026-12-04 05:42:02.695
            Test Case 'XT.testOk' passed (0.0 seconds)
            Test Case 'XT.testSkip' started at 2026-12-04 05:42:02.695
            /tmp/cs/sp/Tests/LT/T.swift:13: XT.testSkip : Test skipped - no
            Test Case 'XT.testSkip' skipped (0.0 seconds)
            Test Suite 'XT' failed at 2026-12-04 05:42:02.695
            \t Executed 3 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.01 (0.01) seconds
            Test Suite 'debug.xctest' failed at 2026-12-04 05:42:02.695
            \t Executed 3 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.01 (0.01) seconds
            Test Suite 'All tests' failed at 2026-12-04 05:42:02.695
            \t Executed 3 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.01 (0.01) seconds
            """
        #expect(TestCounts.parse(output) == counts(1, 1, 1, "xctest"))
    }

    @Test("XCTest summary alone; swift test's empty Swift Testing run after it does not hide it")
    func xctestThenEmptySwiftTesting() {
        #expect(
            TestCounts.parse("\t Executed 7 tests, with 0 failures (0 unexpected) in 0.1 (0.1) seconds\n")
                == counts(7, 0, 0, "xctest"))
        #expect(
            TestCounts.parse("Executed 7 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.1 (0.1) seconds")
                == counts(4, 2, 1, "xctest"))
        let output = """
            Test Suite 'All tests' passed at 2026-12-04 05:42:46.691
            \t Executed 1 test, with 0 failures (0 unexpected) in 0.005 (0.005) seconds
            ◇ Test run started.
            ↳ Testing Library Version: 6.3.1 (937120cbc281cf2)
            ↳ Target Platform: x86_64-unknown-linux-gnu
            ✔ Test run with 0 tests in 0 suites passed after 0.001 seconds.
            """
        #expect(TestCounts.parse(output) == counts(1, 0, 0, "xctest"))
    }

    // MARK: go

    @Test("go test -v: subtests count too; package lines carry nothing")
    func goVerbose() {
        let output = """
            === RUN   TestAdd
            --- PASS: TestAdd (0.00s)
            === RUN   TestTable
            === RUN   TestTable/zero
            === RUN   TestTable/one
                t_test.go:20: got 2, want 1
            --- FAIL: TestTable (0.00s)
                --- PASS: TestTable/zero (0.00s)
                --- FAIL: TestTable/one (0.00s)
            === RUN   TestSlow
                t_test.go:30: skipping in -short mode
            --- SKIP: TestSlow (0.00s)
            FAIL
            FAIL\texample.com/m\t0.002s
            ok  \texample.com/m/other\t0.001s
            FAIL
            """
        #expect(TestCounts.parse(output) == counts(2, 2, 1, "go"))
        #expect(TestCounts.parse("ok  \texample.com/m\t0.002s\nFAIL\texample.com/n\t0.003s\n") == nil)
    }

    @Test("go test -json: test events count, output events quoting `--- PASS` and package events do not")
    func goJSON() {
        let output = #"""
            {"Time":"2024-05-01T10:00:00.1Z","Action":"start","Package":"example.com/m"}
            {"Time":"2024-05-01T10:00:00.2Z","Action":"run","Package":"example.com/m","Test":"TestA"}
            {"Time":"2024-05-01T10:00:00.2Z","Action":"output","Package":"example.com/m","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
            {"Time":"2024-05-01T10:00:00.2Z","Action":"pass","Package":"example.com/m","Test":"TestA","Elapsed":0}
            {"Time":"2024-05-01T10:00:00.3Z","Action":"fail","Package":"example.com/m","Test":"TestB","Elapsed":0}
            {"Time":"2024-05-01T10:00:00.3Z","Action":"skip","Package":"example.com/m","Test":"TestC","Elapsed":0}
            {"Time":"2024-05-01T10:00:00.4Z","Action":"fail","Package":"example.com/m","Elapsed":0.01}
            """#
        #expect(TestCounts.parse(output) == counts(1, 1, 1, "go"))
    }

    // MARK: cargo

    @Test("cargo test: one result line per binary, summed; ignored is skipped")
    func cargo() {
        let output = """
               Compiling cr v0.1.0 (/tmp/cs/cr)
                Finished `test` profile [unoptimized + debuginfo] target(s) in 0.51s
                 Running unittests src/lib.rs (target/debug/deps/cr-0f2c7c8b8e3b4a1d)

            running 3 tests
            test ig ... ignored
            test tests::it_works ... ok
            test f ... FAILED

            failures:

            ---- f stdout ----
            thread 'f' panicked at src/lib.rs:15:18:
            assertion `left == right` failed

            failures:
                f

            test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.16s

                 Running tests/api.rs (target/debug/deps/api-3a5e)

            running 4 tests
            test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

               Doc-tests cr

            running 1 test
            test result: ok. 1 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.20s

            """
        #expect(TestCounts.parse(output) == counts(6, 1, 3, "cargo"))
    }

    // MARK: node

    @Test("node --test, TAP reporter: cancelled is failed, todo is skipped")
    func nodeTAP() {
        let output = """
            TAP version 13
            # Subtest: ok
            ok 1 - ok
              ---
              duration_ms: 0.5
              ...
            # Subtest: bad
            not ok 2 - bad
              ---
              failureType: 'testCodeFailure'
              ...
            1..4
            # tests 4
            # suites 0
            # pass 1
            # fail 1
            # cancelled 1
            # skipped 1
            # todo 1
            # duration_ms 274.277255
            """
        #expect(TestCounts.parse(output) == counts(1, 2, 2, "node"))
        #expect(TestCounts.parse("TAP version 13\nok 1 - a\nok 2 - b\n1..2\n") == nil)
    }

    @Test("node --test, spec reporter")
    func nodeSpec() {
        let output = """
            ✔ ok (0.5ms)
            ✖ bad (1.2ms)
            ﹣ sk (0.1ms) # SKIP
            ℹ tests 4
            ℹ suites 0
            ℹ pass 2
            ℹ fail 1
            ℹ cancelled 0
            ℹ skipped 1
            ℹ todo 0
            ℹ duration_ms 379.510947
            """
        #expect(TestCounts.parse(output) == counts(2, 1, 1, "node"))
    }

    // MARK: jest / vitest

    @Test("jest summary block")
    func jest() {
        let output = """
             FAIL  src/sum.test.js
              ● sum › adds

                expect(received).toBe(expected) // Object.is equality

            Test Suites: 1 failed, 1 passed, 2 total
            Tests:       1 failed, 1 skipped, 3 passed, 5 total
            Snapshots:   0 total
            Time:        0.512 s
            Ran all test suites.
            """
        #expect(TestCounts.parse(output) == counts(3, 1, 1, "jest"))
    }

    @Test("vitest summary block")
    func vitest() {
        let output = """
             ❯ src/sum.test.ts (5 tests | 2 failed) 6ms
             Test Files  1 failed (1)
                  Tests  2 failed | 3 passed (5)
               Start at  10:00:00
               Duration  312ms (transform 20ms, setup 0ms, collect 15ms, tests 6ms)
            """
        #expect(TestCounts.parse(output) == counts(3, 2, 0, "jest"))
        #expect(TestCounts.parse("      Tests  4 passed | 1 skipped | 1 todo (6)\n") == counts(4, 0, 2, "jest"))
    }

    // MARK: plain

    @Test(
        "a plain `N passed, N failed` line, optionally with skipped and a label",
        arguments: [
            ("3 passed, 1 failed", 3, 1, 0),
            ("tests: 3 passed, 0 failed, 1 skipped", 3, 0, 1),
            ("Results: 10 passed, 2 failed", 10, 2, 0),
        ])
    func plain(line: String, passed: Int, failed: Int, skipped: Int) {
        let output = "running checks...\ncheck a ok\ncheck b FAILED\n" + line + "\n"
        #expect(TestCounts.parse(output) == counts(passed, failed, skipped, "plain"))
    }

    // MARK: choosing among summaries

    @Test("the summary printed last wins")
    func lastWins() {
        let output = """
            test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
            ===== 3 passed, 1 failed in 0.12s =====
            Tests:       1 failed, 3 passed, 4 total
            tests: 9 passed, 0 failed
            """
        #expect(TestCounts.parse(output) == counts(9, 0, 0, "plain"))
        #expect(
            TestCounts.parse("tests: 9 passed, 0 failed\n===== 3 passed, 1 failed in 0.12s =====\n")
                == counts(3, 1, 0, "pytest"))
        // A later cargo line wins with the sum of every cargo line, including those before.
        let mixed = """
            test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
            5 passed in 0.01s
            test result: ok. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
            """
        #expect(TestCounts.parse(mixed) == counts(6, 1, 0, "cargo"))
    }

    @Test("ANSI colour codes and carriage returns are stripped before matching")
    func ansi() {
        let esc = "\u{1B}"
        let pytest =
            "\(esc)[31m\(esc)[1m===== \(esc)[0m\(esc)[31m1 failed\(esc)[0m, \(esc)[32m3 passed\(esc)[0m"
            + "\(esc)[31m in 0.12s\(esc)[0m\(esc)[31m\(esc)[1m =====\(esc)[0m\r\n"
        #expect(TestCounts.parse("collecting ...\r\n" + pytest) == counts(3, 1, 0, "pytest"))
        let jest =
            "\(esc)[1mTests:\(esc)[22m       \(esc)[1m\(esc)[31m1 failed\(esc)[39m\(esc)[22m, "
            + "\(esc)[1m\(esc)[32m4 passed\(esc)[39m\(esc)[22m, 5 total"
        #expect(TestCounts.parse(jest) == counts(4, 1, 0, "jest"))
        let osc = "\(esc)]0;title\u{07}\(esc)[32m✔\(esc)[0m Test run with 2 tests passed after 0.1 seconds."
        #expect(TestCounts.parse(osc) == counts(2, 0, 0, "swift-testing"))
    }

    @Test(
        "text that is not a summary",
        arguments: [
            "",
            "hello world\nall good\n",
            "We saw 3 passed, 1 failed in 0.2s yesterday.",
            "We saw 3 passed, 1 failed in 0.2s",
            "The build said 3 passed, 1 failed and moved on",
            "3 passed",
            "passed, failed, skipped in 0.1s",
            "99999999999999999999 passed in 0.1s",
            "ok  \texample.com/m\t0.002s",
            "1..5\nok 1 - a",
            "Ran all test suites.",
            "Tests: many",
            "Test run with lots of tests passed after a while.",
            "Executed the plan, with 0 failures",
            "test result: maybe. 3 passed; 0 failed",
        ])
    func notASummary(text: String) {
        #expect(TestCounts.parse(text) == nil)
    }

    @Test("1 MB of garbage, and one very long line, are parsed quickly and safely")
    func hostile() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abc 0123456789=,;:|()#-.\u{1B}[m\n\r\t✔✘ℹ{}\"passedfailedskipped")
        var garbage = ""
        garbage.reserveCapacity(1 << 20)
        for _ in 0..<(1 << 20) { garbage.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        let pieces = [
            "Test run with ", "test result: ok. ", "# pass ", "Tests: ", "Ran 3 tests in ", "--- PASS: ", " in 0.1s",
            "999999999 passed, ", "Executed 5 tests, with ", "\u{1B}]",
        ]
        var structured = ""
        for index in 0..<40_000 { structured += pieces[index % pieces.count] }
        let longLine = String(repeating: "1 passed, ", count: 100_000) + "1 failed in 0.1s"

        let hugeSums = String(
            repeating: "test result: ok. 999999999 passed; 999999999 failed; 999999999 ignored; 0 measured\n",
            count: 13_000)
        #expect(hugeSums.utf8.count > 1 << 20)

        for input in [garbage, structured, longLine, hugeSums] {
            let start = ContinuousClock.now
            let result = TestCounts.parse(input)
            #expect(ContinuousClock.now - start < .seconds(5), "a bound against quadratic scanning, not a speed target")
            if input == longLine { #expect(result == nil) }
            if input == hugeSums {
                // Sums of hostile numbers are capped instead of overflowing.
                #expect(result?.runner == "cargo")
                #expect((result?.total ?? 0) > 0)
            }
        }
    }

    @Test("Codable round trip with the documented keys; total is derived, not stored")
    func codable() throws {
        let value = counts(3, 1, 2, "pytest")
        #expect(value.total == 6)
        let data = try JSONEncoder().encode(value)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["passed", "failed", "skipped", "runner"])
        #expect(try JSONDecoder().decode(TestCounts.self, from: data) == value)
    }
}
