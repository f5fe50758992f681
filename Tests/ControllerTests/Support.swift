import Astronomy
import BoardFiles
import Controller
import Foundation
import Logging
import HAL
import Lighting
import ModbusTestSupport
import Testing
import Units

/// 2026-12-21 22:00 UTC (23:00 in Paris): a winter night in Picardy.
let winterNight = Date(timeIntervalSince1970: 1_797_890_400)
/// 2026-12-22 00:00 UTC (01:00 in Paris): after the part-night switch-off of `chatterProfile`.
let partNight = Date(timeIntervalSince1970: 1_797_897_600)

let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let picardy = Site(id: "t", name: "t", coordinate: GeoCoordinate(latitude: 49.65, longitude: 2.57)!, timeZone: TimeZone(identifier: "Europe/Paris")!)

func loadBoard(_ text: String) throws -> Board {
    let loaded = BoardLoader.load(text: text, file: "board.yaml")
    return try #require(loaded.value, "\(loaded.diagnostics)")
}

func loadProfile(_ text: String) throws -> Profile {
    let loaded = ProfileLoader.load(text: text, file: "profile.yaml")
    return try #require(loaded.value, "\(loaded.diagnostics)")
}

func compile(_ profile: Profile, _ circuits: [(id: String, count: Int, safe: SafeState)]) throws -> DimmingEngine {
    let led = LuminaireModel(ratedPower: Watts(40))
    let installation = Installation(site: picardy, circuits: circuits.map {
        CircuitSpec(id: $0.id, name: $0.id, luminaireCount: $0.count, model: led, legacyPower: Watts(150), safeState: $0.safe)
    })
    let compiled = DimmingEngine.compile(profile: profile, installation: installation)
    return try #require(compiled.value, "\(compiled.diagnostics)")
}

/// A street switched off at 23:00 (part-night) whose presence sensors light it for 5 s: a
/// burst of walkers every 10 s would chatter its contactor. c1 on a relay, c2 on a dimmer.
let chatterProfile = """
    profile: chatter
    limits: { fade: 0s }
    plans:
      - id: part-night
        switch:
          - { at: sunset, level: 60 }
          - { at: "23:00", level: 0 }
          - { at: sunrise, level: 0 }
    programs:
      - { id: p, default: part-night }
    groups:
      - { id: street, circuits: [c1], program: p }
      - { id: path, circuits: [c2], program: p }
    presence:
      - id: walkers
        level: 100
        hold: 5s
        fadeIn: 0s
        fadeOut: 0s
        neighbours: 4
        sensors:
          - { id: pir-1, group: street, position: 1 }
          - { id: pir-2, group: path, position: 1 }
    """

/// ``ModbusTestbed/twoPeerBoard(id:io:dali:timeout:switchCoil:outputs:)``, loaded.
func modbusBoard(io: String, dali: String, switchCoil: Bool = false, outputs: [String]) throws -> Board {
    try loadBoard(ModbusTestbed.twoPeerBoard(io: io, dali: dali, switchCoil: switchCoil, outputs: outputs))
}

/// What a loop said: its events and its log lines.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storedEvents: [ControlEvent] = []
    private var storedLines: [String] = []
    func append(_ e: ControlEvent) { lock.lock(); storedEvents.append(e); lock.unlock() }
    func append(_ s: String) { lock.lock(); storedLines.append(s); lock.unlock() }
    var events: [ControlEvent] { lock.lock(); defer { lock.unlock() }; return storedEvents }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storedLines }
    var kinds: [ControlEvent.Kind] { events.map(\.kind) }
    /// A logger whose messages (without instant or level) land in ``lines``.
    var logger: Logger { Logger(label: "test") { [self] _ in Capture(log: self) } }
    var sink: @Sendable (ControlEvent) -> Void { { [self] in append($0) } }

    private struct Capture: LogHandler {
        let log: EventLog
        var logLevel: Logger.Level = .debug
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.append(event.message.description) }
    }
}

extension ControlEvent.Kind {
    var isStep: Bool { if case .wallClockStepped = self { return true }; return false }
    var isDeferral: Bool { if case .switchingDeferred = self { return true }; return false }
    var isUntrusted: Bool { if case .clockUntrusted = self { return true }; return false }
}
