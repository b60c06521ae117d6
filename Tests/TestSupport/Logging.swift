import Logging

/// A logger that drops everything, for tests.
public let quietLogger = Logger(label: "switchyard.test") { _ in SwiftLogNoOpLogHandler() }
