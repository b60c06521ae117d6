import Synchronization

/// How fast each projection's checkpoint moves, from the samples the console takes as pages are read: the rate
/// between the last two samples at least a second apart, for a build's rate and time to go.
final class BuildRates: Sendable {
    private struct Sample {
        var checkpoint: UInt64
        var at: ContinuousClock.Instant
        var rate: Double?
    }

    private let samples = Mutex<[String: Sample]>([:])

    /// Records `checkpoint` for `name` now; returns its rate in events per second, once known.
    func sample(_ name: String, checkpoint: UInt64) -> Double? {
        let now = ContinuousClock.now
        return samples.withLock { samples in
            guard var sample = samples[name], sample.checkpoint <= checkpoint else {
                samples[name] = Sample(checkpoint: checkpoint, at: now)
                return nil
            }
            let elapsed = now - sample.at
            guard elapsed >= .seconds(1) else { return sample.rate }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            sample.rate = Double(checkpoint - sample.checkpoint) / seconds
            sample.checkpoint = checkpoint
            sample.at = now
            samples[name] = sample
            return sample.rate
        }
    }
}
