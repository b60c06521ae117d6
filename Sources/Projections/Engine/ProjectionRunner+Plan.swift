import EventLog
import Logging

/// What one projection's task does with a slot: keep the live one up to date, or build one beside it.
enum Role: Sendable, Equatable {
    case follow(ProjectionSlot)
    case build(ProjectionSlot)
}

/// A role with where to start and the tables to write.
struct Assignment: Sendable {
    let role: Role
    let checkpoint: UInt64
    let databases: [String: Database<String, [UInt8]>]
    let liveVersion: Int
}

/// What a projection's task does next.
enum Plan: Sendable {
    case run(Assignment)
    /// Another runner holds the build; look again later.
    case wait(reason: String, live: Int)
}

/// The slot this task writes is no longer its own: another process switched the live slot or took the build.
struct SlotMoved: Error {}

extension ProjectionRunner {
    /// What to do given the live slot and the build claim, before anything is written.
    enum Decision {
        case follow(ProjectionSlot, fresh: Bool)
        case build(ProjectionSlot, resume: Bool, clearing: ProjectionSlot?)
        case wait(String)
    }

    func decide(_ projection: AnyProjection, live: ProjectionSlot?, claim: BuildClaim?) -> Decision {
        if mode == .follow {
            if let live, live.version == projection.version { return .follow(live, fresh: false) }
            if live == nil, claim == nil {
                return .follow(
                    ProjectionSlot(name: projection.name, version: projection.version, generation: 0), fresh: true)
            }
        }
        if let claim, claim.isActive(), claim.owner != owner {
            return .wait("\(claim.owner) is building \(claim.slot)")
        }
        if let claim, claim.slot.version == projection.version, claim.slot != live {
            return .build(claim.slot, resume: true, clearing: nil)
        }
        let slot = ProjectionSlot.next(name: projection.name, version: projection.version, live: live)
        let stale = claim.map(\.slot).flatMap { $0 != slot && $0 != live ? $0 : nil }
        return .build(slot, resume: false, clearing: stale)
    }

    /// Decides what `projection`'s task does and claims it, in one transaction on the views writer.
    func plan(_ projection: AnyProjection) async throws -> Plan {
        let store = self.store
        let name = projection.name
        return try await store.worker.run {
            while true {
                let (live, claim) = try store.env.read { txn in
                    (try store.liveSlot(name, in: txn), try store.buildClaim(name, in: txn))
                }
                let decision = self.decide(projection, live: live, claim: claim)
                if case .wait(let reason) = decision {
                    return .wait(reason: reason, live: live?.version ?? projection.version)
                }
                // Tables are opened in transactions of their own, before the one that decides.
                let slot: ProjectionSlot
                switch decision {
                case .follow(let chosen, _): slot = chosen
                case .build(let chosen, _, let clearing):
                    slot = chosen
                    if let clearing { try store.openTables(clearing) }
                case .wait: continue
                }
                let databases = try store.createTables(slot, tables: projection.tables)
                let checkpoint: UInt64? = try store.env.write { txn in
                    // Another process may have moved things since the look: then look again.
                    guard try store.liveSlot(name, in: txn) == live, try store.buildClaim(name, in: txn) == claim else {
                        return nil
                    }
                    switch decision {
                    case .follow(_, let fresh):
                        if fresh {
                            try store.clear(slot, in: txn)
                            try store.meta.put(Array(slot.id.utf8), for: "live:\(name)", in: txn)
                        }
                    case .build(_, let resume, let clearing):
                        if let clearing { try store.clear(clearing, in: txn) }
                        if !resume { try store.clear(slot, in: txn) }
                        try store.meta.put(
                            BuildClaim(slot: slot, owner: self.owner).stored, for: "build:\(name)", in: txn)
                    case .wait:
                        break
                    }
                    return try store.checkpoint(slot, in: txn)
                }
                guard let checkpoint else { continue }
                let role: Role = if case .follow = decision { .follow(slot) } else { .build(slot) }
                return .run(
                    Assignment(
                        role: role, checkpoint: checkpoint, databases: databases,
                        liveVersion: live?.version ?? slot.version))
            }
        }
    }

    /// Makes the built slot the one readers see and empties the one they saw, in one transaction.
    func switchLive(_ projection: AnyProjection, to slot: ProjectionSlot) async throws {
        let store = self.store
        let name = projection.name
        let owner = self.owner
        let previous: ProjectionSlot? = try await store.worker.run {
            if let old = try store.env.read({ txn in try store.liveSlot(name, in: txn) }) { try store.openTables(old) }
            return try store.env.write { txn in
                guard let claim = try store.buildClaim(name, in: txn), claim.slot == slot, claim.owner == owner else {
                    throw SlotMoved()
                }
                let previous = try store.liveSlot(name, in: txn)
                try store.meta.put(Array(slot.id.utf8), for: "live:\(name)", in: txn)
                _ = try store.meta.delete("build:\(name)", in: txn)
                if let previous, previous != slot { try store.clear(previous, in: txn) }
                return previous
            }
        }
        logger.notice(
            "switched readers to the new build",
            metadata: [
                "projection": "\(name)", "slot": "\(slot)", "previous_slot": "\(previous.map(\.id) ?? "none")",
            ])
    }

    /// Gives up this runner's build of `slot`: the claim goes and its tables are emptied; the live state stays.
    func release(_ projection: AnyProjection, _ slot: ProjectionSlot) async throws {
        let store = self.store
        let owner = self.owner
        try await store.worker.run {
            try store.env.write { txn in
                guard let claim = try store.buildClaim(projection.name, in: txn), claim.slot == slot,
                    claim.owner == owner
                else { return }
                _ = try store.meta.delete("build:\(projection.name)", in: txn)
                try store.clear(slot, in: txn)
            }
        }
        logger.notice(
            "abandoned the build; readers keep the live state",
            metadata: ["projection": "\(projection.name)", "slot": "\(slot)"])
    }
}
