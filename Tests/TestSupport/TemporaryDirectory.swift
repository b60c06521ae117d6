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
        directory.lastPathComponent.hasSuffix(".xctest") || directory.lastPathComponent == "Contents"
            || directory.lastPathComponent == "MacOS"
    {
        directory = directory.deletingLastPathComponent()
    }
    return directory.path
}

/// How much longer than on an idle machine every deadline of the tests is: `SWITCHYARD_TEST_TIME_SCALE` (a positive
/// number, default 1). A deadline only bounds a wait for a condition; set it higher on a busy or slow machine.
package let testTimeScale: Double = {
    guard let text = ProcessInfo.processInfo.environment["SWITCHYARD_TEST_TIME_SCALE"], let scale = Double(text),
        scale > 0
    else { return 1 }
    return scale
}()

/// `duration` scaled by ``testTimeScale``.
package func scaled(_ duration: Duration) -> Duration { duration * testTimeScale }

/// Polls `condition` until it holds or `timeout` (scaled by ``testTimeScale``) passes; returns whether it held.
package func waitUntil(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(5),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + scaled(timeout)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
