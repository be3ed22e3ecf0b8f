import Testing

@testable import LoopBackends

/// The redactor skips its regular expressions when no rule could match; that shortcut must
/// never let a credential through, whatever its case.
@Suite struct SecretRedactorTests {
    @Test("credentials are masked whatever their case; text without one comes back unchanged")
    func masksAndSkips() {
        #expect(SecretRedactor.redact("DB_PASSWORD=hunter2222 run") == "DB_PASSWORD=*** run")
        #expect(SecretRedactor.redact("Authorization: BEARER abcdefgh12345") == "Authorization: BEARER ***")
        #expect(SecretRedactor.redact("export MY_TOKEN: abcd1234") == "export MY_TOKEN: ***")
        #expect(SecretRedactor.redact("--key sk-ant-abcdefgh1234") == "--key sk-***")
        #expect(SecretRedactor.redact("X-Api-Key=0123456789") == "X-Api-Key=***")
        let plain = "argv: worker.sh --round 3 'it'\\''s' /tmp/x/.loop/run/worker_prompt.txt"
        #expect(SecretRedactor.redact(plain) == plain)
    }
}
