import Foundation
import FuzzTargets
import Testing
import TestSupport

/// Every input under `fuzz/corpus/<target>/` (seeds from `fixtures/`) and `fuzz/crashes/<target>/` (inputs that
/// once crashed a harness) runs through its harness: a trap fails the whole test run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let root = projectRoot

    static func inputs(_ target: FuzzTarget) -> [URL] {
        ["corpus", "crashes"].flatMap { folder -> [URL] in
            let directory = root.appendingPathComponent("fuzz/\(folder)/\(target.rawValue)")
            return
                ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test("each harness runs its corpus and every past crash without trapping", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "fuzz/corpus/\(target.rawValue) has seeds")
        for url in inputs {
            let bytes = try Data(contentsOf: url)
            bytes.withUnsafeBytes { target.run($0) }
        }
    }
}
