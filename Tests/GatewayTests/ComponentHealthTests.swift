import EventLog
import Foundation
@testable import GatewayApp
import Testing
import TestSupport
@testable import Outbound

private let canMount = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

/// `/health` tells the truth about the background services: a reactor that cannot write shows as failing,
/// and comes back by itself.
@Suite("Health of reactors and the dispatcher")
struct ComponentHealthTests {
    func components(_ gateway: TestGateway) async throws -> (status: String?, components: [String: [String: Any]]) {
        let health = try await gateway.get("/health").json
        return (health?["status"] as? String, health?["components"] as? [String: [String: Any]] ?? [:])
    }

    @Test("every reactor and the dispatcher report running")
    func running() async throws {
        try await TestGateway.run(configure: { $0.actions.teamsURL = "http://127.0.0.1:9/hook" }) { gateway in
            var report: (status: String?, components: [String: [String: Any]]) = (nil, [:])
            let awaited5 = await waitUntil {
                report = (try? await components(gateway)) ?? (nil, [:])
                return report.components.count == 3
            }
            #expect(awaited5, "waited until report.components.count == 3")
            #expect(report.status == "ok")
            #expect(Set(report.components.keys) == ["dispatcher", "reactor:stripe-refunds", "reactor:stripe-teams"])
            #expect(report.components.values.allSatisfy { $0["state"] as? String == "running" })
            let metrics = try await gateway.get("/metrics").text
            for name in report.components.keys {
                #expect(metrics.contains(#"switchyard_component_running{component="\#(name)"} 1.0"#))
            }
        }
    }

    @Test(
        "a reactor that cannot write to a full disk is failing in /health, and starts again by itself once space returns",
        .enabled(if: canMount, "needs root to mount a small tmpfs"))
    func reactorFailsThenRecovers() async throws {
        try await withTemporaryDirectory("health") { directory in
            let logDirectory = directory + "/log"
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            let mount = try ChildProcess(
                executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=2m", "tmpfs", logDirectory])
            #expect(mount.waitForExit() == 0)
            defer { _ = try? ChildProcess(executable: "/bin/umount", arguments: [logDirectory]).waitForExit() }

            // A first run creates the log; then the disk is filled to the last byte.
            try await TestGateway.run(configure: { $0.dataDirectory = directory }) { gateway in
                #expect(
                    await waitUntil { ((try? gateway.log.checkpoint(named: "reactor:stripe-refunds")) ?? nil) != nil })
            }
            let filler = logDirectory + "/filler"
            #expect(FileManager.default.createFile(atPath: filler, contents: nil))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
            try handle.close()

            // The alert reactor is new in this run: it cannot store its starting checkpoint.
            try await TestGateway.run(configure: {
                $0.dataDirectory = directory
                $0.actions.larkBots = [.init(name: "ops", url: "http://127.0.0.1:9/ops")]
                $0.actions.alerts.channel = "lark"
                $0.actions.alerts.target = "ops"
            }) { gateway in
                var report: (status: String?, components: [String: [String: Any]]) = (nil, [:])
                #expect(
                    await waitUntil(timeout: .seconds(20)) {
                        report = (try? await components(gateway)) ?? (nil, [:])
                        return report.components["reactor:alerts"]?["state"] as? String == "failing"
                    })
                #expect(report.status == "failing", "the log cannot take writes")
                #expect((report.components["reactor:alerts"]?["reason"] as? String)?.contains("storage_full") == true)
                #expect(report.components["reactor:stripe-refunds"]?["state"] as? String == "running")
                let health = try await gateway.get("/health").json
                #expect(
                    (health?["log"] as? [String: Any])?["writable"] as? Bool == false, "the log's last write failed")

                try FileManager.default.removeItem(atPath: filler)
                #expect(
                    await waitUntil(timeout: .seconds(30)) {
                        report = (try? await components(gateway)) ?? (nil, [:])
                        return report.components["reactor:alerts"]?["state"] as? String == "running"
                    })
                #expect(try gateway.log.checkpoint(named: "reactor:alerts") != nil)
                #expect(try await gateway.get("/health").json?["status"] as? String == "ok")
            }
        }
    }

    @Test(
        "projections that cannot write their views to a full disk show retrying, and go on by themselves once space returns",
        .enabled(if: canMount, "needs root to mount a small tmpfs"))
    func projectionsRetryThenRecover() async throws {
        try await withTemporaryDirectory("views-full") { directory in
            let viewsDirectory = directory + "/views"
            try FileManager.default.createDirectory(atPath: viewsDirectory, withIntermediateDirectories: true)
            let mount = try ChildProcess(
                executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=4m", "tmpfs", viewsDirectory])
            #expect(mount.waitForExit() == 0)
            defer { _ = try? ChildProcess(executable: "/bin/umount", arguments: [viewsDirectory]).waitForExit() }

            try await TestGateway.run(configure: { $0.dataDirectory = directory }) { gateway in
                let auth = ("Authorization", "Bearer test-api-key")
                func payments() async -> [String: Any]? {
                    let items =
                        try? await gateway.get("/api/projections", headers: [auth]).json?["items"] as? [[String: Any]]
                    return items?.first { $0["name"] as? String == "payments" }
                }
                #expect(await waitUntil { await payments()?["state"] as? String == "live" })
                let filler = viewsDirectory + "/filler"
                #expect(FileManager.default.createFile(atPath: filler, contents: nil))
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
                while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
                try handle.close()

                // Enough payments that their records cannot fit in the pages the views file already has.
                var last: UInt64 = 0
                for n in 0..<200 {
                    let body = Array(
                        #"{"id":"evt_full_\#(n)","object":"event","type":"payment_intent.succeeded","created":\#(1764590400 + n * 3600),"data":{"object":{"id":"pi_full_\#(n)","object":"payment_intent","amount":\#(1000 + n),"currency":"usd","status":"succeeded","description":"\#(String(repeating: "d", count: 300))"}}}"#
                            .utf8)
                    let response = try await gateway.post(
                        "/webhooks/stripe", body: body,
                        headers: [("Content-Type", "application/json"), ("Stripe-Signature", Sign.stripe(body))])
                    #expect(response.status == 200, "\(response.text)")
                    last = response.position ?? last
                }
                #expect(
                    await waitUntil(timeout: .seconds(20)) { await payments()?["state"] as? String == "retrying" },
                    "payments shows retrying")
                let health = try await gateway.get("/health").json
                #expect(health?["status"] as? String == "degraded")
                #expect((health?["retryingProjections"] as? [[String: Any]])?.isEmpty == false)

                try FileManager.default.removeItem(atPath: filler)
                let caughtUp = await waitUntil(timeout: .seconds(60)) {
                    let item = await payments()
                    return item?["state"] as? String == "live"
                        && (item?["checkpoint"] as? NSNumber)?.uint64Value ?? 0 >= last
                }
                let final = await payments()
                #expect(caughtUp, "payments resumed without a restart: \(String(describing: final))")
                let served = try await gateway.get("/api/payments/pi_full_199?min_position=\(last)", headers: [auth])
                #expect(served.status == 200, "\(served.text)")
                // Every projection resumes by itself, each after its own pause (up to 30 s).
                var report: [String: Any]?
                let healthy = await waitUntil(timeout: .seconds(60)) {
                    report = try? await gateway.get("/health").json
                    return report?["status"] as? String == "ok"
                }
                #expect(healthy, "the gateway is healthy again: \(String(describing: report))")
            }
        }
    }
}
