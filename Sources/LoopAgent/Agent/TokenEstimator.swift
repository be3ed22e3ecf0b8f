/// Estimates prompt tokens before sending, calibrated by what the server reported last time.
///
/// Byte counts over-estimate slightly on code (about 3 bytes per token to start), which is
/// the safe side: compaction starts a little early rather than overflowing silently.
struct TokenEstimator {
    private var bytesPerToken = 3.0

    func estimate(_ messages: [ChatMessage]) -> Int {
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count + 16 + $1.toolCalls.count * 64 }
        return Int((Double(bytes) / bytesPerToken).rounded(.up))
    }

    /// Learns from a call: `promptTokens` the server counted for `messages`.
    mutating func calibrate(messages: [ChatMessage], promptTokens: Int) {
        guard promptTokens > 64 else { return }
        let bytes = messages.reduce(0) { $0 + $1.content.utf8.count + 16 + $1.toolCalls.count * 64 }
        bytesPerToken = min(6, max(1.5, Double(bytes) / Double(promptTokens)))
    }
}
