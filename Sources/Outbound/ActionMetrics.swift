/// Where the dispatcher counts what became of each attempt (`succeeded`, `failed`, `dead`), by channel: the
/// gateway's metrics implement it.
package protocol ActionMetrics: Sendable {
    /// Counts one recorded attempt of an action on `channel` that ended as `result`.
    func action(channel: String, result: String)
}
