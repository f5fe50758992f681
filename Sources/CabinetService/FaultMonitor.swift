import BoardFiles
import Cabinet
import Controller
import Foundation
import HAL
import Lighting
import Logging
import Synchronization
import Units

/// Faults found from measurements: at each sample it compares what each meter register
/// measures (a meter's power, or one phase's) with what the controller's decisions should draw
/// on the circuits it measures (``ControlLoop/expectedPower()``), and each phase's voltage
/// with the supply's. A condition that holds for its hold time (``FaultSettings``) is a fault:
/// an event when it starts, an event when it clears (absent at two samples in a row).
///
/// Per register, at most one of:
/// - **contactor or relay failure**: circuits on, the supply present, and no power (under a
///   tenth of the expected): the contact did not close, or opened; or power still drawn while
///   every circuit is off, within the contactor window of a switching off: it did not open;
/// - **lamp failure**: power below the expected by more than the tolerance;
/// - **day-burner**: power while every circuit is off, not just after a switching off.
///
/// And per phase of a meter, **supply loss**: its voltage under the threshold. While a
/// register's supply is lost its power is not compared (no power is the supply's fault).
/// A register measuring one circuit names the circuit; one measuring several, the register.
public struct FaultMonitor: Sendable {
    public enum Fault: String, Sendable, Hashable, CaseIterable {
        case supplyLoss = "supply loss"
        case contactor = "contactor or relay failure"
        case lampFailure = "lamp failure"
        case dayBurner = "day-burner"
    }

    /// A fault under way.
    public struct Active: Sendable, Hashable {
        public var fault: Fault
        /// The circuit, the register (`METER/L1`, a meter) or the phase it is found on.
        public var subject: String
        public var since: Date
        public var detail: String
    }

    struct Key: Hashable {
        var fault: Fault
        var subject: String
    }

    public let settings: FaultSettings
    /// The meters' ids, in the order readings are given.
    public let meters: [String]
    /// The registers whose power is compared (those measuring some circuit).
    public let watches: [MeterRegister]
    let circuitIDs: [String]
    /// Conditions seen and since when (monotonic), not yet faults or faults still present.
    private var seen: [Key: ContinuousClock.Instant] = [:]
    /// Faults whose condition was absent at the last sample (cleared at the next absence).
    private var absentOnce: Set<Key> = []
    private(set) var active: [Key: Active] = [:]

    /// - Parameters:
    ///   - meters: the board's meters, with what each measures.
    ///   - circuitOutputs: circuit id → the board output that feeds it.
    public init(settings: FaultSettings, meters: [(id: String, measures: Board.Measures?)], installation: Installation,
                circuitOutputs: [String: String]) {
        self.settings = settings
        self.meters = meters.map(\.id)
        circuitIDs = installation.circuits.map(\.id)
        let watches = MeterRegister.of(meters, installation: installation, circuitOutputs: circuitOutputs)
        self.watches = watches.filter { !$0.circuits.isEmpty }
    }

    /// The faults under way, in a stable order.
    public var faults: [Active] { active.values.sorted { ($0.fault.rawValue, $0.subject) < ($1.fault.rawValue, $1.subject) } }

    /// One sample.
    ///
    /// - Parameters:
    ///   - readings: meter index → its phases now (a meter not read is absent: nothing about
    ///     it changes).
    ///   - expected: what each circuit should draw now (the installation's order).
    /// - Returns: the faults that started or cleared, as events.
    public mutating func sample(readings: [Int: [PhaseReading]], expected: [ControlLoop.CircuitPower],
                                now: ContinuousClock.Instant, wall: Date) -> [ControlEvent] {
        var present: [Key: String] = [:]   // conditions now → detail
        var evaluated: Set<String> = []    // subjects whose conditions were looked at
        var lostPhases: [Int: Set<Int>] = [:]
        for (m, phases) in readings {
            for (p, phase) in phases.enumerated() {
                let subject = MeterRegister.phaseName(meter: meters[m], phase: p, of: phases.count)
                evaluated.insert(subject)
                if phase.volts < settings.supplyLossVolts {
                    lostPhases[m, default: []].insert(p)
                    present[Key(fault: .supplyLoss, subject: subject)] = "\(Self.format(phase.volts)) V, under \(Self.format(settings.supplyLossVolts)) V"
                }
            }
        }
        for w in watches {
            guard let phases = readings[w.meter] else { continue }
            let lost = lostPhases[w.meter] ?? []
            let measured: Double
            if let p = w.phase {
                guard phases.indices.contains(p), !lost.contains(p) else { continue }
                measured = phases[p].watts
            } else {
                guard lost.isEmpty else { continue }
                measured = phases.reduce(0) { $0 + $1.watts }
            }
            let subject = w.circuits.count == 1 ? circuitIDs[w.circuits[0]] : w.id
            evaluated.insert(subject)
            let expectedWatts = w.circuits.reduce(0) { $0 + (expected.indices.contains($1) ? expected[$1].watts : 0) }
            let figures = "\(Self.format(measured)) W measured on \(w.id), \(Self.format(expectedWatts)) W expected"
            if expectedWatts >= 1 {
                if measured < expectedWatts / 10 {
                    present[Key(fault: .contactor, subject: subject)] = "no power with the supply present: \(figures)"
                } else if measured < expectedWatts * (1 - settings.lampFailurePercent / 100) {
                    let below = Int(((1 - measured / expectedWatts) * 100).rounded())
                    present[Key(fault: .lampFailure, subject: subject)] = "\(figures) (\(below) % under)"
                }
            } else if measured > settings.dayBurnerWatts {
                let window = Duration.seconds(settings.contactorWindowSeconds)
                let justOff = w.circuits.contains { c in
                    expected.indices.contains(c) && expected[c].lastSwitch.map { !$0.on && now - $0.at <= window } == true
                }
                let key = Key(fault: .contactor, subject: subject)
                // Still drawing after a switching off (or already found so): the contact stays closed.
                if justOff || seen[key] != nil {
                    present[key] = "power still drawn after switching off: \(figures)"
                } else {
                    present[Key(fault: .dayBurner, subject: subject)] = "power while off: \(figures)"
                }
            }
        }
        var events: [ControlEvent] = []
        for (key, detail) in present {
            absentOnce.remove(key)
            let since = seen[key] ?? now
            seen[key] = since
            if active[key] == nil, now - since >= .seconds(hold(key.fault)) {
                active[key] = Active(fault: key.fault, subject: key.subject, since: wall, detail: detail)
                events.append(ControlEvent(at: wall, kind: .measuredFault(fault: key.fault.rawValue, subject: key.subject, active: true, detail: detail)))
            } else if active[key] != nil {
                active[key]?.detail = detail
            }
        }
        for key in Array(seen.keys) where present[key] == nil && evaluated.contains(key.subject) {
            guard let fault = active[key] else {
                seen[key] = nil
                continue
            }
            if absentOnce.insert(key).inserted { continue }
            absentOnce.remove(key)
            seen[key] = nil
            active[key] = nil
            events.append(ControlEvent(at: wall, kind: .measuredFault(fault: key.fault.rawValue, subject: key.subject, active: false,
                                                                      detail: "cleared (since \(InstantText.isoUTC(fault.since)))")))
        }
        return events.sorted { ($0.description) < ($1.description) }
    }

    func hold(_ fault: Fault) -> Int {
        switch fault {
        case .supplyLoss: settings.supplyLossHoldSeconds
        case .contactor: settings.contactorHoldSeconds
        case .lampFailure: settings.lampFailureHoldSeconds
        case .dayBurner: settings.dayBurnerHoldSeconds
        }
    }

    static func format(_ v: Double) -> String {
        abs(v - v.rounded()) < 0.05 ? "\(Int(v.rounded()))" : String(format: "%.1f", v)
    }
}

/// `lanterne run`'s fault watch: every ``FaultSettings/sampleSeconds`` (on the monotonic
/// clock) it reads each meter's phases, takes what the control loop expects the circuits to
/// draw, and runs the ``FaultMonitor``. Each fault's start and end is logged and handed to
/// `events` (the ledger's inbox); the faults under way are kept for the status and the metrics.
public final class FaultWatch: Sendable {
    public let loop: ControlLoop
    private let meters: [(id: String, device: any EnergyMeter)]
    private let monitor: Mutex<FaultMonitor>
    private let logger: Logger
    private let events: @Sendable (ControlEvent) -> Void

    public init(loop: ControlLoop, meters: [EnergySampler.Meter], settings: FaultSettings,
                installation: Installation, circuitOutputs: [String: String], logger: Logger,
                events: @escaping @Sendable (ControlEvent) -> Void) {
        self.loop = loop
        self.meters = meters.map { ($0.id, $0.device) }
        self.monitor = Mutex(FaultMonitor(settings: settings, meters: meters.map { ($0.id, $0.measures) },
                                          installation: installation, circuitOutputs: circuitOutputs))
        self.logger = logger
        self.events = events
    }

    /// The faults under way.
    public var faults: [FaultMonitor.Active] { monitor.withLock { $0.faults } }

    /// What the last sample measured: each register's power (W) and each meter phase's
    /// voltage (V), by id (`METER`, `METER/L1`).
    public var lastSample: (power: [String: Double], volts: [String: Double]) { last.withLock { $0 } }
    private let last = Mutex<(power: [String: Double], volts: [String: Double])>(([:], [:]))

    /// Samples until cancelled.
    public func run() async {
        let clock = loop.clock
        let period = Duration.seconds(monitor.withLock { $0.settings.sampleSeconds })
        var next = clock.monotonicNow
        while !Task.isCancelled {
            next = next.advanced(by: period)
            do { try await clock.sleep(until: next) } catch { return }
            await sample()
        }
    }

    /// Reads the meters and compares once.
    public func sample() async {
        var readings: [Int: [PhaseReading]] = [:]
        for (k, meter) in meters.enumerated() {
            // A meter that does not answer is the sampler's to report (a gap, an event).
            if let phases = try? await meter.device.readPhases() { readings[k] = phases }
        }
        let expected = await loop.expectedPower()
        let clock = loop.clock
        // Each meter's power, and each phase's power and voltage.
        var power: [String: Double] = [:], volts: [String: Double] = [:]
        for (k, phases) in readings {
            power[meters[k].id] = phases.reduce(0) { $0 + $1.watts }
            for (p, phase) in phases.enumerated() {
                let name = MeterRegister.phaseName(meter: meters[k].id, phase: p, of: phases.count)
                volts[name] = phase.volts
                if phases.count > 1 { power[name] = phase.watts }
            }
        }
        last.withLock { [power, volts] in $0 = (power, volts) }
        let found = monitor.withLock { $0.sample(readings: readings, expected: expected, now: clock.monotonicNow, wall: clock.wallNow) }
        for event in found {
            logger.log(level: event.level, "\(event.description)")
            events(event)
        }
    }
}
