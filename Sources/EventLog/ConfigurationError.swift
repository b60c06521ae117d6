/// A setting that is missing or wrong; stops start-up with one line that names it.
package struct ConfigurationError: Error, CustomStringConvertible {
    /// The setting's name as the user wrote it: a variable, a flag or a file key.
    package let setting: String
    package let message: String
    package var description: String { "\(setting): \(message)" }

    package init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }
}
