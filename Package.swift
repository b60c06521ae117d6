// swift-tools-version:6.0
import PackageDescription

/// Strict settings for every target of ours, as Hummingbird has them.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "replay", targets: ["Replay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "EventLog",
            dependencies: [
                "CLMDB",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The C shim over libnats (Debian's libnats-dev): only JetStreamLog imports it.
        .systemLibrary(
            name: "CNATS",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        // The event log on a NATS JetStream stream: an EventStore beside the LMDB one.
        .target(
            name: "JetStreamLog",
            dependencies: [
                "CNATS", "EventLog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The one-pass JSON field scanner and JSON text helpers: no dependencies.
        .target(name: "JSONScan"),
        // Each sender's verification, the secrets, and re-checking stored signatures.
        .target(
            name: "WebhookAuth",
            dependencies: [
                "EventLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Projections",
            dependencies: [
                "EventLog", "JSONScan", "WebhookAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Outbound actions: reactors, the dispatcher, target gates, connectors, alerts.
        .target(
            name: "Outbound",
            dependencies: [
                "EventLog", "JSONScan", "Projections",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The HTTP application: server, ingest, read, admin, operations, configuration; testable in process. The
        // `gateway` executable is its @main alone.
        .target(
            name: "GatewayApp",
            dependencies: [
                "EventLog", "JSONScan", "WebhookAuth", "Outbound", "JetStreamLog",
                "Projections",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Console/Templates"), .copy("Console/Assets"), .copy("Operations/openapi.json")]
        ),
        .executableTarget(
            name: "Gateway",
            dependencies: [
                "GatewayApp", "EventLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "Replay",
            dependencies: [
                "EventLog", "WebhookAuth", "JetStreamLog",
                "Projections",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: [
                "EventLog", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: [
                "Projections", "EventLog", "JSONScan", "WebhookAuth", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JetStreamLogTests",
            dependencies: ["JetStreamLog", "EventLog", "TestSupport"]
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "GatewayApp", "Outbound", .product(name: "HummingbirdTesting", package: "hummingbird"), "EventLog",
                "JSONScan", "WebhookAuth", "Projections",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)

/// Targets for developers only: the crash-test child, the benchmarks and the fuzz harnesses (whose `@testable` imports
/// need debug builds), with the fuzz regression tests. Built when `SWITCHYARD_DEV_TARGETS` is set, as `make test`,
/// `make bench` and `make fuzz` set it (as Hummingbird does with `ENABLE_HB_BENCHMARKS`), so that `swift build -c
/// release` builds the two products alone.
if Context.environment["SWITCHYARD_DEV_TARGETS"] != nil {
    package.targets += [
        // A child process for the crash-safety tests: appends in a loop and prints every acknowledged position.
        .executableTarget(
            name: "LogTorture",
            dependencies: ["EventLog"],
            path: "Tests/LogTorture"
        ),
        // Benchmarks: built with the package, run only by `make bench`.
        .executableTarget(
            name: "LogBench",
            dependencies: ["EventLog", .product(name: "Logging", package: "swift-log")],
            path: "bench/LogBench"
        ),
        .executableTarget(
            name: "CatchUpBench",
            dependencies: [
                "EventLog", "JSONScan", "Projections",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "bench/CatchUpBench"
        ),
        .executableTarget(
            name: "BareServer",
            dependencies: [
                "EventLog", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/BareServer"
        ),
        // Fuzzing: the harnesses, and an executable that is libFuzzer's target under `make fuzz` and replays inputs
        // otherwise.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "EventLog", "JSONScan", "WebhookAuth", "Projections",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "fuzz/FuzzTargets"
        ),
        .executableTarget(name: "Fuzz", dependencies: ["FuzzTargets"], path: "fuzz/Fuzz"),
        .testTarget(
            name: "FuzzTargetsTests",
            dependencies: ["FuzzTargets", "TestSupport"]
        ),
    ]
}

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
