/// A console failure that is ours, not the user's: its resources missing from the build.
struct ConsoleError: Error, CustomStringConvertible {
    let code = "console_unavailable"
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { "\(code): \(message)" }
}
