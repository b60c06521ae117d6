import EventLog
import Foundation
import Hummingbird
import NIOCore
import Projections
import JetStreamLog
import Outbound

/// `GET /health` and `GET /metrics`.
struct OperationsController<Log: EventStore>: Sendable {
    let log: Log
    let metrics: GatewayMetrics
    let components: ComponentHealth
    let dataDirectory: String
    let runner: ProjectionRunner<Log>
    /// The projections' views, for the events each has skipped.
    let views: ProjectionStore
    let openAPI: OpenAPIDocument
    /// The JetStream log, when the gateway runs on one, and the lease that runs its reactors.
    var cluster: JetStreamEventStore? = nil
    var lease: ClusterLease? = nil
    let started = ContinuousClock.now

    func addRoutes(to router: Router<GatewayContext>) {
        router.get("/health") { _, _ in try await report() }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: openAPI.bytes))
        }
        router.get("/metrics") { _, _ in
            await refreshMetrics()
            var buffer = ByteBuffer()
            buffer.writeBytes(metrics.exposition())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer)
            )
        }
    }

    /// Sets the gauges read at scrape time; when the log cannot be read, they keep their last values.
    private func refreshMetrics() async {
        guard let head = try? await log.head().position, let usage = try? await log.storageUsage() else { return }
        metrics.refresh(head: head, usage: usage, projections: runner.statuses(), components: components.snapshot())
    }

    /// `failing` (503) when the log cannot be read or its last write failed; `degraded` when the disk is nearly full,
    /// a projection has stopped, or a reactor or the dispatcher is not running.
    private func report() async throws -> Response {
        var status = "ok"
        var head: UInt64 = 0
        var usage = StorageUsage(usedBytes: 0, capacityBytes: 0)
        var writable = log.isWritable
        do {
            head = try await log.head().position
            usage = try await log.storageUsage()
        } catch {
            writable = false
        }
        if !writable {
            status = "failing"
        } else if let free = freeBytes(), free < 256 << 20 {
            status = "degraded"
        }
        let failed = runner.statuses().compactMap { projection -> String? in
            guard case .failed(let position, let reason) = projection.state else { return nil }
            return
                #"{"name":\#(JSONText.quote(projection.name)),"position":\#(position),"reason":\#(JSONText.quote(reason))}"#
        }
        // Events skipped under the failure policy: shown, but not a degradation (each cost one record).
        let rejected = runner.statuses().compactMap { projection -> String? in
            guard let (count, recent) = try? views.rejections(projection.name, recent: 1), count > 0,
                let newest = recent.first
            else { return nil }
            return
                #"\#(JSONText.quote(projection.name)):{"count":\#(count),"newestPosition":\#(newest.position),"newestReason":\#(JSONText.quote(newest.reason))}"#
        }
        let retrying = runner.statuses().compactMap { projection -> String? in
            guard case .retrying(let reason) = projection.state else { return nil }
            return
                #"{"name":\#(JSONText.quote(projection.name)),"checkpoint":\#(projection.checkpoint),"reason":\#(JSONText.quote(reason))}"#
        }
        let components = components.snapshot().sorted { $0.key < $1.key }
        if status == "ok"
            && (!failed.isEmpty || !retrying.isEmpty || components.contains { $0.value.state != "running" })
        {
            status = "degraded"
        }
        let componentsJSON = components.map { name, component in
            #"\#(JSONText.quote(name)):{"state":"\#(component.state)""#
                + (component.reason.map { #","reason":\#(JSONText.quote($0))"# } ?? "") + "}"
        }
        var clusterJSON = ""
        if let cluster {
            if let status = try? await cluster.clusterStatus() {
                clusterJSON =
                    #","cluster":{"stream":\#(JSONText.quote(status.stream)),"replicas":\#(status.replicas),"leader":\#(JSONText.quote(status.leader)),"#
                    + #""streamLastSequence":\#(status.lastSequence),"appliedSequence":\#(status.appliedSequence),"lag":\#(status.lag)"#
                if status.replicas > 1 && status.leader.isEmpty { writable = false }
            } else {
                clusterJSON = #","cluster":{"reachable":false"#
                writable = false
            }
            if let lease {
                clusterJSON +=
                    #","node":\#(JSONText.quote(lease.node)),"leaseHeld":\#(lease.isHeld),"leaseHolder":\#(lease.holder.map(JSONText.quote) ?? "null")"#
            }
            clusterJSON += "}"
            if !writable { status = "failing" }
        }
        let uptime = (ContinuousClock.now - started).components.seconds
        let body = """
            {"status":"\(status)","log":{"head":\(head),"mapUsedBytes":\(usage.usedBytes),"mapSizeBytes":\(usage.capacityBytes),\
            "writable":\(writable)},"failedProjections":[\(failed.joined(separator: ","))],\
            "retryingProjections":[\(retrying.joined(separator: ","))],\
            "rejectedEvents":{\(rejected.joined(separator: ","))},\
            "components":{\(componentsJSON.joined(separator: ","))},"uptimeSeconds":\(uptime)\(clusterJSON)}
            """
        return Response(
            status: status == "failing" ? .serviceUnavailable : .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }

    private func freeBytes() -> Int? {
        var stats = statvfs()
        guard statvfs(dataDirectory, &stats) == 0 else { return nil }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }
}
