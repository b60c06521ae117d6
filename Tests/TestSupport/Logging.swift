import Logging

/// A logger that drops everything, for tests.
package let quietLogger = Logger(label: "switchyard.test") { _ in SwiftLogNoOpLogHandler() }
