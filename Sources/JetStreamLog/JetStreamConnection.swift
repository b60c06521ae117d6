internal import CNATS
import Foundation

/// A connection to NATS and its JetStream context, and the few stream operations the log needs. Every call
/// blocks (libnats is synchronous): callers run them on the store's own threads, never on Swift's cooperative
/// pool or an event loop. libnats makes the connection safe to share between threads and reconnects by itself.
final class JetStreamConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private let context: OpaquePointer
    let configuration: JetStreamConfiguration

    init(_ configuration: JetStreamConfiguration) throws(NATSError) {
        self.configuration = configuration
        var options: OpaquePointer?
        try natsCheck(natsOptions_Create(&options), "creating the NATS options")
        defer { natsOptions_Destroy(options) }
        var servers = configuration.urls.map { strdup($0) }
        defer { servers.forEach { free($0) } }
        let serverStatus = servers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                natsOptions_SetServers(options, $0, Int32(buffer.count))
            }
        }
        try natsCheck(serverStatus, "setting the NATS servers \(configuration.urls)")
        try natsCheck(natsOptions_SetTimeout(options, 2_000), "setting the connect timeout")
        try natsCheck(natsOptions_SetMaxReconnect(options, -1), "setting reconnects")
        if let token = configuration.token {
            try natsCheck(natsOptions_SetToken(options, token), "setting the NATS token")
        }
        if let file = configuration.credentialsFile {
            try natsCheck(
                natsOptions_SetUserCredentialsFromFiles(options, file, nil), "reading the NATS credentials file \(file)"
            )
        }
        var connection: OpaquePointer?
        try natsCheck(
            natsConnection_Connect(&connection, options), "connecting to \(configuration.urls.joined(separator: ","))")
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = configuration.requestTimeoutMilliseconds
        var context: OpaquePointer?
        let status = natsConnection_JetStream(&context, connection, &jsOptions)
        guard status == NATS_OK, let connection, let context else {
            natsConnection_Destroy(connection)
            try natsCheck(status, "opening JetStream")
            throw NATSError(code: .failure, message: "opening JetStream gave no context", jetStreamCode: 0)
        }
        self.connection = connection
        self.context = context
    }

    /// Runs `body` with the JetStream context (for the other C-facing types of this target).
    func withContext<R>(_ body: (OpaquePointer) -> R) -> R { body(context) }

    /// Whether the client is connected now (it reconnects by itself after a server goes).
    var isConnected: Bool { natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED }

    /// Creates the stream if it does not exist: one subject, file storage, `replicas` copies, and no deletes or
    /// purges, so that JetStream itself keeps the log append-only.
    func ensureStream() throws(NATSError) {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var error = jsErrCode(rawValue: 0)
        let found = try natsCheck(
            js_GetStreamInfo(&info, context, configuration.stream, nil, &error),
            "reading stream \(configuration.stream)",
            jetStreamCode: error, expected: [NATS_NOT_FOUND])
        if found == NATS_OK {
            jsStreamInfo_Destroy(info)
            return
        }
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        let name = strdup(configuration.stream)
        let subject = strdup(configuration.subject)
        defer {
            free(name)
            free(subject)
        }
        var subjects: [UnsafePointer<CChar>?] = [UnsafePointer(subject)]
        let status = subjects.withUnsafeMutableBufferPointer { buffer -> natsStatus in
            config.Name = UnsafePointer(name)
            config.Subjects = buffer.baseAddress
            config.SubjectsLen = 1
            config.Storage = js_FileStorage
            config.Replicas = Int64(configuration.replicas)
            config.DenyDelete = true
            config.DenyPurge = true
            return js_AddStream(&info, context, &config, nil, &error)
        }
        if status == NATS_OK { jsStreamInfo_Destroy(info) }
        try natsCheck(
            status, "creating stream \(configuration.stream) with \(configuration.replicas) replicas",
            jetStreamCode: error)
    }

    /// The stream's replicas as configured, its current leader (empty when none, as while a quorum is lost), and its
    /// last sequence.
    func streamStatus() throws(NATSError) -> (replicas: Int, leader: String, lastSequence: UInt64) {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var error = jsErrCode(rawValue: 0)
        try natsCheck(
            js_GetStreamInfo(&info, context, configuration.stream, nil, &error),
            "reading stream \(configuration.stream)", jetStreamCode: error)
        defer { jsStreamInfo_Destroy(info) }
        let leader = info!.pointee.Cluster?.pointee.Leader.map { String(cString: $0) } ?? ""
        return (Int(info!.pointee.Config?.pointee.Replicas ?? 1), leader, info!.pointee.State.LastSeq)
    }

    /// The stream's last message sequence (0 when empty).
    func lastSequence() throws(NATSError) -> UInt64 {
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var error = jsErrCode(rawValue: 0)
        try natsCheck(
            js_GetStreamInfo(&info, context, configuration.stream, nil, &error),
            "reading stream \(configuration.stream)", jetStreamCode: error)
        defer { jsStreamInfo_Destroy(info) }
        return info!.pointee.State.LastSeq
    }

    /// The body of message `sequence`.
    func message(at sequence: UInt64) throws(NATSError) -> [UInt8] {
        var message: OpaquePointer?
        var error = jsErrCode(rawValue: 0)
        try natsCheck(
            js_GetMsg(&message, context, configuration.stream, sequence, nil, &error), "reading message \(sequence)",
            jetStreamCode: error)
        defer { natsMsg_Destroy(message) }
        let length = Int(natsMsg_GetDataLength(message))
        guard length > 0, let data = natsMsg_GetData(message) else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Publishes `body` only if the stream's last sequence is `expected` (`Nats-Expected-Last-Sequence`, sent even
    /// for 0); returns the message's sequence once JetStream has acknowledged it, which it does when a quorum of
    /// the stream's replicas stored it. Throws with ``NATSError/isWrongLastSequence`` when another node appended
    /// first.
    func publish(_ body: [UInt8], expectedLastSequence expected: UInt64) throws(NATSError) -> UInt64 {
        var message: OpaquePointer?
        let created = body.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                natsMsg_Create(&message, configuration.subject, nil, $0, Int32(buffer.count))
            }
        }
        try natsCheck(created, "making a message of \(body.count) bytes")
        defer { natsMsg_Destroy(message) }
        try natsCheck(
            natsMsgHeader_Set(message, "Nats-Expected-Last-Sequence", String(expected)), "setting the expected sequence"
        )
        try natsCheck(
            natsMsgHeader_Set(message, "Nats-Expected-Stream", configuration.stream), "setting the expected stream")
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = configuration.requestTimeoutMilliseconds
        var ack: UnsafeMutablePointer<jsPubAck>?
        var error = jsErrCode(rawValue: 0)
        try natsCheck(
            js_PublishMsg(&ack, context, message, &options, &error), "publishing to \(configuration.subject)",
            jetStreamCode: error)
        defer { jsPubAck_Destroy(ack) }
        return ack!.pointee.Sequence
    }

    func close() {
        jsCtx_Destroy(context)
        natsConnection_Close(connection)
        natsConnection_Destroy(connection)
    }
}
