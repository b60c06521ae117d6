import JetStreamLog

/// Where the event log lives [`log` in the config file].
package struct LogConfiguration: Sendable, Equatable {
    package enum Backend: String, Sendable, Equatable {
        /// An LMDB log in `<dataDir>/log`: one gateway, one disk.
        case lmdb
        /// A NATS JetStream stream, with a replica of it in `<dataDir>/log`: several gateways, replicated.
        case jetstream
    }

    /// [`log.backend`, `SWITCHYARD_LOG_BACKEND`]. Default `lmdb`.
    package var backend = Backend.lmdb
    /// The stream and how to reach it [`log.jetstream.urls` / `SWITCHYARD_JETSTREAM_URLS`, `log.jetstream.stream` /
    /// `SWITCHYARD_JETSTREAM_STREAM`, `log.jetstream.replicas` / `SWITCHYARD_JETSTREAM_REPLICAS`,
    /// `log.jetstream.credentialsFile` / `SWITCHYARD_JETSTREAM_CREDENTIALS`, `SWITCHYARD_JETSTREAM_TOKEN`]; see
    /// ``JetStreamConfiguration`` for the defaults.
    package var jetStream = JetStreamConfiguration()
    /// This gateway's name in the cluster lease [`log.nodeName`, `SWITCHYARD_NODE_NAME`]. Default the host name and
    /// the port.
    package var nodeName: String?
    /// How long the cluster lease outlives its holder's last renewal, in seconds [`log.leaseSeconds`,
    /// `SWITCHYARD_LEASE_SECONDS`]. Default 6: another gateway runs the reactors within about that long after the
    /// holder dies.
    package var leaseSeconds = 6

    package init() {}
}
