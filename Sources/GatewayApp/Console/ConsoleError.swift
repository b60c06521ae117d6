/// A console failure that is ours, not the user's: its resources missing from the build.
package struct ConsoleError: Error, CustomStringConvertible {
    let code = "console_unavailable"
    let message: String
    init(_ message: String) { self.message = message }
    package var description: String { "\(code): \(message)" }
}
