/// Where the log lives on JetStream [`log.jetstream` in the config file].
package struct JetStreamConfiguration: Sendable, Equatable {
    /// The NATS servers to connect to [`log.jetstream.urls`]. Default `nats://127.0.0.1:4222`.
    package var urls = ["nats://127.0.0.1:4222"]
    /// The stream holding the log [`log.jetstream.stream`]. Default `SWITCHYARD_LOG`.
    package var stream = "SWITCHYARD_LOG"
    /// How many servers keep each message [`log.jetstream.replicas`]. Default 3; an ack means a quorum stored it.
    package var replicas = 3
    /// A NATS credentials file (`.creds`) [`log.jetstream.credentialsFile`]. Default none. Its path may be
    /// logged; its contents never are.
    package var credentialsFile: String?
    /// A NATS token, from `SWITCHYARD_JETSTREAM_TOKEN` only (never from the config file); never logged.
    package var token: String?
    /// How long one JetStream request may take, in milliseconds [`log.jetstream.requestTimeoutMilliseconds`].
    /// Default 5,000: without a quorum, an append fails after it (503 `log_unavailable`).
    package var requestTimeoutMilliseconds: Int64 = 5_000

    package init() {}

    /// The one subject the stream takes: the log's group commits.
    var subject: String { "\(stream).records" }
}
