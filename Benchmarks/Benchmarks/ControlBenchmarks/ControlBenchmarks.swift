// The technician's operations against a running controller (issue 11), on loopback:
// - `lanterne status`: GET /v1/status over the control socket, decoded — under 50 ms;
// - `lanterne profile flash FILE`: a round trip with validation on both sides — the profile
//   validated and its signature checked here, uploaded, validated against the cabinet and
//   board there, its signature checked against the trusted keys, kept, the state committed,
//   the engine activated — under 1 s;
// - `lanterne profile flash FILE --dry-run`: the same checks, then tonight's plan and a year
//   simulated with each profile — under 2 s.
// The controller is `lanterne run` as the CLI starts it (`ControllerRun.run`) against the Modbus
// test bed's cabinet peer, in this process; the client is the CLI's (`ControlClient`), without
// the CLI's process start (measured apart: docs/PERFORMANCE.md).
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target ControlBenchmarks
import Benchmark
import Cabinet
import CabinetService
import ControlAPI
import Foundation
import Lighting
import Logging
import ModbusTestSupport
import ProfileTrust

let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A controller running on the cabinet peer, its socket, state, trusted key; shared by the
/// benchmarks of this process.
final class RunningController: @unchecked Sendable {
    let peer: CabinetPeer
    let dir: URL
    let client: ControlClient
    let key: String
    let run: Task<Void, Never>
    var version = 1

    init() async throws {
        peer = try CabinetPeer(timeScale: 1)
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lanterne-bench-control-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("keys"), withIntermediateDirectories: true)
        let cabinet = try peer.writeCabinet(in: dir, id: "bench", extra: "flash: { trustedKeys: keys }")
        let pair = try ProfileKeys.generate(name: dir.appendingPathComponent("tech").path)
        try FileManager.default.copyItem(atPath: pair.publicPath, toPath: dir.appendingPathComponent("keys/tech.pub").path)
        key = pair.privatePath
        guard let config = CabinetLoader.load(path: cabinet).value else { fatalError("cannot load \(cabinet)") }   // harness only
        let socket = dir.appendingPathComponent("control.sock").path
        var options = ControllerRun.Options(ledger: nil, intervalSeconds: 900, generator: "benchmark")
        options.control = socket
        options.state = dir.appendingPathComponent("state.json").path
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        run = Task { try? await ControllerRun.run(config, options: options, logger: logger) }
        client = ControlClient(socketPath: socket)
        for _ in 0..<200 {
            if (try? await client.send(.GET, "/v1/status"))?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        fatalError("the controller's socket never answered")   // harness only
    }

    /// The peer cabinet's profile as version `n`, signed: its text and signature file's text.
    func profile(version n: Int) throws -> (text: String, signature: String) {
        let base = try String(contentsOf: repository.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml"), encoding: .utf8)
        let text = base.replacingOccurrences(of: "profile: gpio-sim-check\n", with: "profile: gpio-sim-check\nversion: \(n)\n")
        return (text, try ProfileSignature.sign(Data(text.utf8), with: try ProfileKeys.load(name: key)).text)
    }

    /// What `lanterne profile flash` does once it has read the files: the profile validated, its
    /// signature checked against it, the request sent, the answer decoded.
    func flash(_ text: String, signature: String, dryRun: Bool) async throws -> FlashResult {
        guard ProfileLoader.load(text: text, file: "p.yaml").value != nil else { fatalError("invalid profile") }
        let parsed = try ProfileSignature.parse(signature, file: "p.yaml.sig")
        guard parsed.verifies(Data(text.utf8)) else { fatalError("bad signature") }
        return try await client.call(.POST, "/v1/profile", body: FlashRequest(file: "p.yaml", profile: text, signature: signature, dryRun: dryRun),
                                     as: FlashResult.self)
    }
}

nonisolated(unsafe) var controller: RunningController?

func running() async throws -> RunningController {
    if let controller { return controller }
    let c = try await RunningController()
    controller = c
    return c
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.maxDuration = .seconds(30)

    Benchmark("lanterne status: GET /v1/status on the control socket",
              configuration: .init(metrics: [.wallClock, .cpuTotal], maxIterations: 200)) { benchmark in
        let c = try await running()
        benchmark.startMeasurement()
        blackHole(try await c.client.call(.GET, "/v1/status", as: CabinetStatus.self))
        benchmark.stopMeasurement()
    }

    Benchmark("lanterne profile flash: a round trip, validated on both sides",
              configuration: .init(metrics: [.wallClock, .cpuTotal], maxIterations: 30)) { benchmark in
        let c = try await running()
        c.version += 1
        let (text, signature) = try c.profile(version: c.version)
        benchmark.startMeasurement()
        let result = try await c.flash(text, signature: signature, dryRun: false)
        benchmark.stopMeasurement()
        precondition(result.active.version == c.version)
    }

    Benchmark("lanterne profile flash --dry-run: tonight and a year simulated with each profile",
              configuration: .init(metrics: [.wallClock, .cpuTotal], maxIterations: 10)) { benchmark in
        let c = try await running()
        let (text, signature) = try c.profile(version: c.version + 1)
        benchmark.startMeasurement()
        let result = try await c.flash(text, signature: signature, dryRun: true)
        benchmark.stopMeasurement()
        precondition(result.comparison?.after.yearKilowattHours != nil)
    }
}
