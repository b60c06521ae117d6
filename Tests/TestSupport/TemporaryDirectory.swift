import Foundation

/// Runs `body` with a new empty directory, and removes it afterwards, whatever happens.
package func withTemporaryDirectory<R>(
    _ label: String = "switchyard", _ body: (String) async throws -> R
) async throws -> R {
    let path = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The directory that holds the built products (the test bundle and the executables beside it).
package var productsDirectory: String {
    if let override = ProcessInfo.processInfo.environment["SWITCHYARD_PRODUCTS_DIR"] { return override }
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = bundle.deletingLastPathComponent()
    // On some platforms the runner lives inside the .xctest bundle.
    while directory.pathComponents.count > 1,
        directory.lastPathComponent.hasSuffix(".xctest") || directory.lastPathComponent == "Contents" || directory.lastPathComponent == "MacOS"
    {
        directory = directory.deletingLastPathComponent()
    }
    return directory.path
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
package func poll(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
