import EventLog
import Foundation

/// A projection's own error: bad state or a bad event.
package struct ProjectionError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    package let message: String
    /// Creates the error.
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
