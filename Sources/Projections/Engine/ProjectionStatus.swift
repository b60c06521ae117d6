/// Where a projection stands.
package struct ProjectionStatus: Sendable, Equatable {
    /// What the runner is doing with it.
    package enum State: Sendable, Equatable {
        /// Caught up (or catching up) and served.
        case live
        /// A new version is being built from position 0 beside the served one.
        case building
        /// Another process is building it; this runner looks again every second.
        case waiting(reason: String)
        /// Stopped at `position`: a bug of ours, or a damaged record (see the failure policy).
        case failed(position: UInt64, reason: String)
        /// The views could not be written (a full disk, an I/O error): not the events' fault. The runner tries again
        /// from the stored checkpoint after a pause that doubles up to 30 s, and goes on by itself once it can.
        case retrying(reason: String)

        /// The state's name as the read API, `/api/stream` and the console show it.
        package var name: String {
            switch self {
            case .live: "live"
            case .building: "building"
            case .waiting: "waiting"
            case .retrying: "retrying"
            case .failed: "failed"
            }
        }
    }

    /// The projection's name.
    package var name: String
    /// The version this code builds.
    package var version: Int
    /// The version readers see (differs from `version` while building).
    package var liveVersion: Int
    /// The tables this runner writes: the live ones, or those being built.
    package var slot: ProjectionSlot?
    /// The last position applied to `slot`.
    package var checkpoint: UInt64
    /// What the runner is doing.
    package var state: State
}
