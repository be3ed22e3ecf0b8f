/// How long a client waits for a model server.
///
/// A local server is silent while it loads a model into memory, and again while it reads a
/// long prompt; after that it streams steadily. So the limits are waits for the *next byte*,
/// not deadlines for the whole answer, and the first chat with each model gets a longer one.
/// A request sent with `stream: false` gets no byte until the whole answer is ready, so its
/// generation must fit in the first-byte wait; prefer streaming.
package struct ModelTimeouts: Sendable, Equatable {
    /// Longest wait for an answer to start, and longest silence in the middle of one.
    package var request: Duration
    /// Longest wait for the first chat with a model to start answering (it may load the model);
    /// never shorter than `request`.
    package var firstRequest: Duration

    package init(request: Duration = .seconds(300), firstRequest: Duration = .seconds(900)) {
        self.request = request
        self.firstRequest = max(firstRequest, request)
    }
}
