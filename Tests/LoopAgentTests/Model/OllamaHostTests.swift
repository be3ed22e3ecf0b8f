import Foundation
import Testing

@testable import LoopAgent

@Suite("OLLAMA_HOST parsing")
struct OllamaHostTests {
    @Test(
        "OLLAMA_HOST forms resolve like the ollama CLI",
        arguments: [
            (nil, "http://127.0.0.1:11434"),
            ("", "http://127.0.0.1:11434"),
            ("  ", "http://127.0.0.1:11434"),
            ("example.com", "http://example.com:11434"),
            ("example.com:1234", "http://example.com:1234"),
            (":8080", "http://127.0.0.1:8080"),
            ("0.0.0.0", "http://127.0.0.1:11434"),
            ("0.0.0.0:11435", "http://127.0.0.1:11435"),
            ("http://gpu-box:11434", "http://gpu-box:11434"),
            ("http://gpu-box", "http://gpu-box:80"),
            ("https://ollama.example.com", "https://ollama.example.com:443"),
            ("https://ollama.example.com:8443/ollama/", "https://ollama.example.com:8443/ollama"),
            ("\"127.0.0.1:9999\"", "http://127.0.0.1:9999"),
            ("[::1]:11434", "http://[::1]:11434"),
            ("::1", "http://[::1]:11434"),
            ("example.com:99999", "http://example.com:11434"),
            ("example.com:abc", "http://example.com:11434"),
        ] as [(String?, String)])
    func resolves(value: String?, expected: String) {
        #expect(OllamaClient.resolveHost(value).absoluteString == expected)
    }

    @Test("the environment initializer reads OLLAMA_HOST")
    func environment() {
        #expect(OllamaClient(environment: ["OLLAMA_HOST": ":4321"]).endpoint == "http://127.0.0.1:4321")
        #expect(OllamaClient(environment: [:]).endpoint == "http://127.0.0.1:11434")
    }
}
