import Controller
import CoreMetrics
import Foundation
import Logging
import Hummingbird
import Modbus
import Prometheus
import ServiceLifecycle
import Synchronization

/// `lanterne run --metrics HOST:PORT`: the controller's state as Prometheus metrics, through
/// swift-metrics on a swift-prometheus registry, served at `GET /metrics`. Each scrape reads
/// the state afresh (``refresh()``), so what is served is what the controller knows at that
/// moment; nothing is sampled in between.
///
/// | metric | labels | what |
/// | --- | --- | --- |
/// | `lanterne_circuit_level_percent` | circuit | the level the circuit's output aims at (the last decision) |
/// | `lanterne_circuit_expected_watts` | circuit | what the decisions should draw now |
/// | `lanterne_register_power_watts` | register | measured by each meter and each of its phases at the last fault sample |
/// | `lanterne_phase_voltage_volts` | phase | each meter phase's voltage at the last fault sample |
/// | `lanterne_fault_active` | fault, subject | 1 while a fault found from measurements lasts, 0 after |
/// | `lanterne_output_writes_total`, `lanterne_output_write_failures_total` | — | output writes made and failed |
/// | `lanterne_bus_requests_total` | bus, unit, result (answered, failed) | Modbus requests |
/// | `lanterne_bus_answered_seconds_total` | bus, unit | time the answered requests took (÷ answered: the mean latency) |
/// | `lanterne_bus_unit_faulted` | bus, unit | 1 while the line holds the unit faulted |
/// | `lanterne_ledger_last_interval_end_seconds` | — | the end of the ledger's last closed interval (Unix time) |
/// | `lanterne_clock_trusted` | — | 1 while the loop trusts the wall clock |
public final class RunMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let loop: ControlLoop
    let watch: FaultWatch?
    let lines: [String: ModbusLine]
    let lastInterval: @Sendable () -> Date?
    let circuits: [String]
    /// Totals already added to each counter (counters only grow: each refresh adds the rest).
    private let counted = Mutex<[String: Int64]>([:])
    /// Fault gauges made so far (a fault's gauge goes to 0 when it ends).
    private let faultGauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    /// - Parameters:
    ///   - lines: the board's Modbus lines by bus id.
    ///   - lastInterval: the end of the ledger's last closed interval, when there is a ledger.
    public init(loop: ControlLoop, circuits: [String], watch: FaultWatch?, lines: [String: ModbusLine],
                lastInterval: @escaping @Sendable () -> Date?) {
        self.factory = PrometheusMetricsFactory(registry: registry)
        self.loop = loop
        self.circuits = circuits
        self.watch = watch
        self.lines = lines
        self.lastInterval = lastInterval
    }

    func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// Adds to a counter what `total` holds beyond what was counted before.
    func count(_ name: String, _ dimensions: [(String, String)] = [], total: Int64) {
        Counter(label: name, dimensions: dimensions, factory: factory).increment(by: countDelta(name, dimensions, total: total))
    }

    /// Reads the controller's state into the metrics.
    public func refresh() async {
        let output = await loop.output
        for c in output.circuits {
            gauge("lanterne_circuit_level_percent", [("circuit", c.circuit)]).record(ControlLoop.aim(of: c, at: output.at).level.percent)
        }
        for (id, power) in zip(circuits, await loop.expectedPower()) {
            gauge("lanterne_circuit_expected_watts", [("circuit", id)]).record(power.watts)
        }
        gauge("lanterne_clock_trusted").record(await loop.clockTrust?.isTrusted == true ? 1 : 0)
        count("lanterne_output_writes_total", total: Int64(await loop.writes))
        count("lanterne_output_write_failures_total", total: Int64(await loop.failedWrites))
        if let watch {
            let sample = watch.lastSample
            for (register, watts) in sample.power { gauge("lanterne_register_power_watts", [("register", register)]).record(watts) }
            for (phase, volts) in sample.volts { gauge("lanterne_phase_voltage_volts", [("phase", phase)]).record(volts) }
            let faults = watch.faults
            faultGauges.withLock { gauges in
                var active: Set<String> = []
                for f in faults {
                    let key = "\(f.fault.rawValue)|\(f.subject)"
                    active.insert(key)
                    if gauges[key] == nil {
                        gauges[key] = gauge("lanterne_fault_active", [("fault", f.fault.rawValue), ("subject", f.subject)])
                    }
                }
                for (key, g) in gauges { g.record(active.contains(key) ? 1 : 0) }
            }
        }
        for (bus, line) in lines.sorted(by: { $0.key < $1.key }) {
            for (unit, h) in await line.allHealth.sorted(by: { $0.key < $1.key }) {
                let at = [("bus", bus), ("unit", "\(unit)")]
                count("lanterne_bus_requests_total", at + [("result", "answered")], total: Int64(h.answered))
                count("lanterne_bus_requests_total", at + [("result", "failed")], total: Int64(h.failed))
                let ms = Int64(h.answeredTime.components.seconds * 1000 + h.answeredTime.components.attoseconds / 1_000_000_000_000_000)
                FloatingPointCounter(label: "lanterne_bus_answered_seconds_total", dimensions: at, factory: factory)
                    .increment(by: Double(countDelta("lanterne_bus_answered_ms", at, total: ms)) / 1000)
                gauge("lanterne_bus_unit_faulted", at).record(h.state == .faulted ? 1 : 0)
            }
        }
        if let end = lastInterval() {
            gauge("lanterne_ledger_last_interval_end_seconds").record(end.timeIntervalSince1970)
        }
    }

    /// What `total` holds beyond what was counted before under `name` (then counted).
    private func countDelta(_ name: String, _ dimensions: [(String, String)], total: Int64) -> Int64 {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counted.withLock { c -> Int64 in
            defer { c[key] = max(c[key] ?? 0, total) }
            return max(0, total - (c[key] ?? 0))
        }
    }

    /// The metrics in Prometheus' text format, refreshed.
    public func scrape() async -> String {
        await refresh()
        return registry.emitToString()
    }

    /// The HTTP endpoint: `GET /metrics` on `host:port`, a service of the run's group.
    public func endpoint(host: String, port: Int, logger: Logger) -> some Service {
        let router = Router()
        router.get("metrics") { [self] _, _ -> Response in
            let text = await scrape()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "lanterne"),
                           logger: logger)
    }
}
