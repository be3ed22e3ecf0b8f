// swift-tools-version: 6.2
import PackageDescription

/// This folder, for linker inputs kept in the repository (the linker runs elsewhere).
let packageRoot = String(#filePath.dropLast("/Package.swift".count))

let package = Package(
    name: "loop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "loop", targets: ["loop"]),
        // The built-in agent, installed next to `loop`: only it links the networking stack.
        .executable(name: "loop-agent", targets: ["loop-agent"]),
        // The web dashboard (`loop serve`), installed next to `loop`: only it links the HTTP server.
        .executable(name: "loop-serve", targets: ["loop-serve"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        // The dashboard's HTTP server (no SwiftNIO; see docs/DASHBOARD.md for why this one).
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
    ],
    targets: [
        .executableTarget(
            name: "loop",
            dependencies: ["LoopCLI", "LoopCore"],
            // A position-dependent release binary: every `loop` process (one per round, every
            // `status`) then starts without the 84,000 relocations the loader applied to the
            // static Swift runtime and Foundation in a PIE — measured on `loop status` with the
            // static build: 770 → 553 page faults, 19.9 → 17.7 MB peak RSS. The price is no ASLR
            // for `loop`'s own code; `loop` serves no network, and loop-agent and loop-serve, which
            // talk HTTP, stay PIE.
            //
            // Linked by lld in the order of scripts/profile/loop.order: the functions a round, the PM,
            // `status` and `--version` run, measured by scripts/gen-order-file, sit together at the
            // start of the code, so a process maps few pages of the 90 MB binary (the kernel maps up to
            // 16 cached neighbours at each fault: scattered code costs resident memory). Symbols the
            // file names that a build lacks are skipped. And no dynamic symbol table of our own code:
            // the Swift runtime's `dladdr` at start scanned its 9,000 entries in every process.
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-Xclang-linker", "-no-pie", "-use-ld=lld",
                        "-Xlinker", "--symbol-ordering-file=\(packageRoot)/scripts/profile/loop.order",
                        "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "--no-export-dynamic",
                    ], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // `loop` and everything it links stay off FoundationNetworking (libcurl, TLS): the
        // built-in agent is the separate `loop-agent` executable, and only it imports LoopAgent.
        .executableTarget(
            name: "loop-agent",
            dependencies: [
                "LoopAgent",
                "LoopCore",
                "LoopMain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `loop serve` is `loop-serve`: the dashboard's server and page, apart from `loop` so that
        // `loop` never links an HTTP server.
        .executableTarget(
            name: "loop-serve",
            dependencies: [
                "LoopServe",
                "LoopCore",
                "LoopMain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "LoopServe",
            dependencies: [
                "LoopCore",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        // The shared main() of the three executables.
        .target(
            name: "LoopMain",
            dependencies: [
                "LoopCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "LoopCLI",
            dependencies: [
                "LoopCore",
                "LoopMain",
                "LoopBackends",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CLoopShims"),
        .target(
            name: "LoopCore",
            dependencies: [
                "CLoopShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "LoopAgent",
            dependencies: [
                "LoopCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LoopBackends",
            dependencies: [
                "LoopCore",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "LoopCoreTests",
            dependencies: ["LoopCore", "LoopTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "LoopBackendsTests", dependencies: ["LoopBackends", "LoopCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoopAgentTests", dependencies: ["LoopAgent", "LoopCore", "LoopTestSupport"]),
        // The tests run the built binaries: `loop`, and `loop-agent` beside it.
        .testTarget(name: "LoopEndToEndTests", dependencies: ["LoopCore", "LoopTestSupport", "loop", "loop-agent"]),
        .testTarget(
            name: "LoopReliabilityTests", dependencies: ["LoopCore", "LoopTestSupport", "loop", "loop-agent"]),
        // The dashboard: its API, events stream and page over a bus made by real `loop run`s.
        .testTarget(
            name: "LoopServeTests", dependencies: ["LoopCore", "LoopServe", "LoopTestSupport", "loop", "loop-serve"]),
        // Test helpers shared by test targets (the end-to-end harness, a scripted HTTP server, the
        // fuzzed decoders); not part of the product.
        .target(name: "LoopTestSupport", dependencies: ["LoopCore"], path: "Tests/LoopTestSupport"),
        // libFuzzer over LoopTestSupport's `FuzzDecoder` (the property fuzzer's decoders); not part of the product.
        .executableTarget(name: "LoopFuzz", dependencies: ["LoopTestSupport"]),
    ]
)

for target in package.targets where target.name != "CLoopShims" {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    target.swiftSettings = settings
}
