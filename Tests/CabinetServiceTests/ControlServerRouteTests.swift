import CabinetService
import ControlAPI
import Controller
import Foundation
import Testing

/// The control API's routes are exactly the operations docs/openapi.yaml describes.
@Suite struct ControlServerRouteTests {
    /// `GET /v1/status`... from the document's `paths:` (two-space path keys, four-space methods).
    static func documented() throws -> Set<String> {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        var operations: Set<String> = [], path: String?, inPaths = false
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            if let m = line.wholeMatch(of: /\ \ (\/[^:]+):/) { path = String(m.1) }
            if let m = line.wholeMatch(of: /\ \ \ \ (get|post|put|delete|patch):/), let path { operations.insert("\(m.1.uppercased()) \(path)") }
        }
        return operations
    }

    @Test func theRoutesAreTheDocumentsOperations() async throws {
        let bench = try await PeerCabinet(id: "routes")
        defer { bench.remove() }
        let profile = ActiveProfile(id: "p", version: nil, sha256: String(repeating: "0", count: 64), path: "p.yaml", since: Date(), signer: nil)
        let state = StateKeeper(file: nil, cabinet: bench.config.site.id, profile: profile, history: [], loop: bench.loop)
        let flasher = ProfileFlasher(configuration: bench.config, loop: bench.loop, state: state, say: { _ in })
        let server = ControlServer(
            context: .init(configuration: bench.config, program: "test", startedAt: Date(), startedMonotonic: .now, ledgerPath: nil),
            loop: bench.loop, state: state, flasher: flasher, watch: nil, progress: nil, inbox: bench.inbox, logger: .init(label: "test"))
        let served = Set(server.router().routes.map { "\($0.method) \($0.path)" })
        let documented = try Self.documented()
        #expect(documented.count >= 8)
        #expect(served == documented, "served only: \(served.subtracting(documented)); documented only: \(documented.subtracting(served))")
        await bench.hardware.shutdown()
    }
}
