import Astronomy
import Foundation
import GRDB
import GRDBSQLite
import Lighting
import Savings

/// How long each exported row is.
public enum ExportInterval: String, Sendable, CaseIterable {
    /// The ledger's own interval (15 minutes by default).
    case native = "15m"
    case hour, day, month
}

/// One row per circuit, or per cabinet (circuits summed, with PV and the meter).
public enum ExportGrouping: String, Sendable, CaseIterable {
    case circuit, cabinet
}

/// A named emission factor for the avoided-CO2e columns.
public struct ExportEmissionFactor: Sendable, Hashable {
    public var name: String
    public var kgPerKilowattHour: Double
    public var source: String
    public init(name: String, kgPerKilowattHour: Double, source: String) {
        self.name = name
        self.kgPerKilowattHour = kgPerKilowattHour
        self.source = source
    }
}

/// What to export.
public struct ExportOptions: Sendable {
    /// Rows cover the intervals that start in `[from, to)`.
    public var from: Date, to: Date
    public var interval: ExportInterval
    public var grouping: ExportGrouping
    /// Restrict to one cabinet (nil: all).
    public var cabinetID: String?
    /// `,` (default) or `;`.
    public var delimiter: UInt8
    /// Decimal comma (French spreadsheets); requires the `;` delimiter.
    public var decimalComma: Bool
    /// An IPMVP option B model to fill `adjusted_baseline_kwh`: kWh as a function of a period's
    /// length (seconds) and dark hours. Nil leaves the column empty.
    public var adjustedBaseline: (@Sendable (_ seconds: Double, _ darkHours: Double) -> Double)?
    /// Also return the rows' figures in `ExportResult.collected` (for reports).
    public var collectRows = false

    public init(from: Date, to: Date, interval: ExportInterval = .native, grouping: ExportGrouping = .circuit,
                cabinetID: String? = nil, delimiter: UInt8 = UInt8(ascii: ","), decimalComma: Bool = false) {
        self.from = from
        self.to = to
        self.interval = interval
        self.grouping = grouping
        self.cabinetID = cabinetID
        self.delimiter = delimiter
        self.decimalComma = decimalComma
    }
}

/// Totals of an export, summed from the rows exactly as written.
public struct ExportTotals: Sendable, Hashable {
    public var energyWh: Int64 = 0
    public var baselineWh: Int64 = 0
    public var pvWh: Int64 = 0
    public var avoidedCostTenThousandths: Int64 = 0
    public var avoidedCO2eGrams: Int64 = 0
    public var intervals: Int64 = 0
    public var estimatedIntervals: Int64 = 0
    public var gapIntervals: Int64 = 0
}

/// What an export wrote.
public struct ExportResult: Sendable {
    public var rows: Int
    public var bytes: Int
    /// SHA-256 of the CSV file, 64 hex digits.
    public var sha256: String
    public var columns: [String]
    public var totals: ExportTotals
    /// Per row key ("cabinet/circuit" or "cabinet"), the totals over the whole period.
    public var byKey: [String: ExportTotals]
    /// The one currency of every tariff in force over the export, nil when none is declared.
    public var currency: String?
    /// The emission factors applied, in the order they first apply.
    public var emissionFactors: [ExportEmissionFactor] = []
    /// The rows' figures, when `ExportOptions.collectRows` is set.
    public var collected: [ExportedRow] = []
}

/// One exported row's figures (what the CSV row says, before formatting).
public struct ExportedRow: Sendable, Hashable {
    public var periodStart: Date, periodEnd: Date
    public var cabinetID: String
    /// The circuit, or "all" for a cabinet row.
    public var circuitID: String
    public var energyWh: Int64, baselineWh: Int64, pvWh: Int64
    public var intervals: Int64, estimatedIntervals: Int64, gapIntervals: Int64
    /// Seconds and dark seconds of the intervals present (for IPMVP observations).
    public var coveredSeconds: Double, coveredDarkSeconds: Double
    public var avoidedCostTenThousandths: Int64?, avoidedCO2eGrams: Int64?
    public var coveragePercent: Double { intervals > 0 ? 100 * Double(intervals - gapIntervals) / Double(intervals) : 0 }
}

/// A CSV or manifest problem that is the user's to fix.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension LedgerStore {
    /// Streams the ledger's intervals in `[from, to)` to `handle` as RFC 4180 CSV, aggregated by
    /// `options.interval` and `options.grouping`, with the legacy counterfactual baseline, avoided
    /// energy, PV, renewable share, tariff, avoided cost and CO2e. Missing intervals are counted
    /// as gaps (coverage), never filled.
    ///
    /// - Throws: ``ExportError`` for an empty selection or bad options;
    ///   ``LedgerError/readFailed(path:reason:)``; file write errors.
    public func export(_ options: ExportOptions, to handle: FileHandle, progress: @Sendable (Double) -> Void = { _ in }) throws -> ExportResult {
        if options.decimalComma && options.delimiter == UInt8(ascii: ",") {
            throw ExportError("a decimal comma needs another delimiter: use --delimiter ';'")
        }
        guard options.from < options.to else { throw ExportError("the period is empty: --to must be after --from") }
        do {
            return try pool.read { db in try LedgerExporter(db: db, options: options, path: path).run(handle: handle, progress: progress) }
        } catch let e as ExportError {
            throw e
        } catch let e as LedgerError {
            throw e
        } catch let e as DatabaseError {
            throw LedgerError.readFailed(path: path, reason: LedgerStore.describe(e))
        }
    }
}

/// What a row's avoided energy is worth: each interval's avoided watt-hours at the tariff and
/// the emission factor in force at its start. Scalars only (no allocation per row); with one
/// tariff and one factor over the row, the figures are exactly avoided Wh × price and avoided
/// Wh × factor, rounded once.
struct Valuation {
    /// Σ avoided Wh × price (millionths of the currency per kWh).
    var costMicroWh: Int64 = 0
    /// The tariff version every priced interval had: -1 none yet, -2 several.
    var tariff = -1
    /// The emission-factor version of the current run of intervals (-1: none yet), its avoided
    /// Wh and factor, and the grams of earlier runs.
    var factor = -1, factorWh: Int64 = 0, factorKg = 0.0, gramsBefore = 0.0
    /// Whether the row's intervals had more than one emission factor.
    var severalFactors = false

    mutating func add(avoidedWh wh: Int64, tariff t: Int, price: Int64, factor f: Int, kg: Double) {
        if t >= 0 {
            costMicroWh += wh * price
            tariff = tariff == -1 || tariff == t ? t : -2
        }
        if f >= 0 {
            if factor != f && factor != -1 {
                gramsBefore += Double(factorWh) * factorKg
                factorWh = 0
                severalFactors = true
            }
            factor = f
            factorKg = kg
            factorWh += wh
        }
    }

    /// A cabinet row: its circuits' valuations together.
    mutating func merge(_ o: Valuation) {
        costMicroWh += o.costMicroWh
        if o.tariff != -1 { tariff = tariff == -1 || tariff == o.tariff ? o.tariff : -2 }
        guard o.factor != -1 else { return }
        if factor == -1 || (factor == o.factor && !severalFactors && !o.severalFactors) {
            // One factor: sum the watt-hours first, as a single circuit would.
            gramsBefore += o.gramsBefore
            factorWh += o.factorWh
            factor = o.factor
            factorKg = o.factorKg
            severalFactors = severalFactors || o.severalFactors
        } else {
            gramsBefore = grams + o.grams
            factorWh = 0
            factor = o.factor
            severalFactors = true
        }
    }

    /// Avoided CO2e in grams (Wh × kg/kWh = g), before rounding.
    var grams: Double { gramsBefore + Double(factorWh) * factorKg }
}

/// A value that changes at declared instants: the version in force at `t` is the last one
/// whose instant is at or before `t` (the later declaration when two share an instant).
/// Looked up with a cursor, since the export reads each cabinet's intervals in time order.
struct Timeline<Value> {
    private(set) var effective: [Int64] = []
    var values: [Value] = []
    private var cursor = -1

    init(_ versions: [(Int64, Value)]) {
        effective = versions.map(\.0)
        values = versions.map(\.1)
    }

    /// The value in force at `t` (or `fallback` before the first version) and the instants
    /// between which it stays in force, so a caller can skip lookups until `t` leaves them.
    mutating func span(at t: Int64, fallback: Value) -> (value: Value, from: Int64, until: Int64) {
        let i = index(at: t)
        let until = (i ?? -1) + 1 < effective.count ? effective[(i ?? -1) + 1] : Int64.max
        guard let i else { return (fallback, Int64.min, until) }
        return (values[i], effective[i], until)
    }

    /// The index of the version in force at `t`, nil before the first.
    mutating func index(at t: Int64) -> Int? {
        if cursor >= 0 && effective[cursor] > t { cursor = -1 }
        while cursor + 1 < effective.count && effective[cursor + 1] <= t { cursor += 1 }
        return cursor >= 0 ? cursor : nil
    }
}

/// The export's state machine: one cursor over `measurement` in key order (start first), one
/// state per cabinet with its own local-time periods. Every figure derived from an interval
/// uses the declarations in force at the interval's start: legacy watts (baseline), the site
/// (dark hours), the tariff (cost) and the emission factor (CO2e).
final class LedgerExporter {
    let db: Database
    let options: ExportOptions
    let path: String
    // Mutated for every field of every row, only by this exporter on one thread: the dynamic
    // exclusivity checks of class properties would cost about a tenth of an export.
    @exclusivity(unchecked) var writer: CSVWriter!
    @exclusivity(unchecked) var result: ExportResult

    final class CircuitState {
        let id: String
        /// The number the measurement feed gives its id (-1 until its first row).
        var channel: Int32 = -1
        /// The id as a CSV field.
        var csvID: [UInt8] = []
        /// Legacy watts as declared over time, and the value in force over [from, until).
        @exclusivity(unchecked) var legacyWatts: Timeline<Double>
        @exclusivity(unchecked) var legacy: (value: Double, from: Int64, until: Int64) = (0, 0, 0)
        var energyWh: Int64 = 0, baselineWh: Int64 = 0, burningSeconds: Int64 = 0
        var present: Int64 = 0, estimated: Int64 = 0, gaps: Int64 = 0
        /// What the period's avoided energy is worth.
        @exclusivity(unchecked) var value = Valuation()
        /// This circuit's totals over the export.
        var totals = ExportTotals()
        /// Seconds and dark seconds of the intervals present (not gaps), for the IPMVP model.
        var coveredSeconds: Double = 0, coveredDarkSeconds: Double = 0
        init(id: String, legacyWatts: Timeline<Double>) {
            self.id = id
            self.legacyWatts = legacyWatts
        }
        func reset() {
            energyWh = 0; baselineWh = 0; burningSeconds = 0; present = 0; estimated = 0; gaps = 0
            coveredSeconds = 0; coveredDarkSeconds = 0
            value = Valuation()
        }
    }

    final class CabinetState {
        let id: String
        let site: Site
        let clock: LocalClock
        let zoneIdentifier: String
        let native: Int64
        var circuits: [CircuitState]
        var circuitIndex: [String: Int]
        /// The index of the last circuit row seen (for predicting the next).
        var lastIndex = -1
        var periodStart: Int64, periodEnd: Int64
        var pvWh: Int64 = 0, meteredWh: Int64 = 0, meterReadings: Int64 = 0
        /// This cabinet's totals over the export (cabinet rows).
        var totals = ExportTotals()
        var darkForStart: (start: Int64, seconds: Double) = (-1, 0)
        /// Dark hours of each declared site (a corrected place moves sunset and sunrise).
        var darkHours: Timeline<DarkHours>
        /// Price per kWh in millionths of the currency, and the emission factors, as declared.
        var tariffs: Timeline<Int64>
        var factors: Timeline<ExportEmissionFactor>
        /// Each factor's three CSV fields (value, name, source), encoded once, and whether a
        /// row used it.
        var factorFields: [[UInt8]] = []
        var factorUsed: [Bool] = []
        /// The tariff and factor versions in force at the interval being read (-1: none), with
        /// the price and the factor.
        var versionsForStart: (start: Int64, tariff: Int, price: Int64, factor: Int, kg: Double) = (-1, -1, 0, -1, 0)
        /// The zone's offset from UTC, between transitions.
        @exclusivity(unchecked) var offsets: ZoneOffsets
        /// The fields the period's rows share, written once per period.
        @exclusivity(unchecked) var periodFields: PeriodFields
        init(id: String, site: Site, native: Int64, circuits: [CircuitState], darkHours: Timeline<DarkHours>,
             tariffs: Timeline<Int64>, factors: Timeline<ExportEmissionFactor>, delimiter: UInt8) {
            self.id = id
            self.site = site
            self.clock = LocalClock(timeZone: site.timeZone)
            self.zoneIdentifier = site.timeZone.identifier
            self.offsets = ZoneOffsets(timeZone: site.timeZone)
            self.periodFields = PeriodFields(delimiter: delimiter,
                                             zoneField: CSVWriter.encode(site.timeZone.identifier, delimiter: delimiter),
                                             cabinetField: CSVWriter.encode(id, delimiter: delimiter))
            self.darkHours = darkHours
            self.tariffs = tariffs
            self.factors = factors
            self.native = native
            self.circuits = circuits
            self.circuitIndex = Dictionary(uniqueKeysWithValues: circuits.enumerated().map { ($1.id, $0) })
            self.periodStart = 0
            self.periodEnd = 0
        }
    }

    var cabinets: [String: CabinetState] = [:]
    /// The measurement feed's channel names, by number.
    var channelNames: [String] = []
    var methodField: [UInt8] = []
    let declarations: DeclarationLog
    let currencyColumn: String

    init(db: Database, options: ExportOptions, path: String) throws {
        self.db = db
        self.options = options
        self.path = path
        declarations = try DeclarationLog.load(db, path: path)
        let from = Int64(options.from.timeIntervalSince1970.rounded(.up))
        let to = Int64(options.to.timeIntervalSince1970.rounded(.up))
        // One currency per export: a total in two currencies would add unlike amounts.
        var currencies: [String: Set<String>] = [:]
        for id in declarations.cabinetIDs where options.cabinetID == nil || id == options.cabinetID {
            let tariffs = declarations.timeline(cabinet: id, kind: "tariff")
            for (k, e) in tariffs.enumerated() {
                guard case .tariff(let t) = e.content else { continue }
                let next = k + 1 < tariffs.count ? tariffs[k + 1].effective : Int64.max
                if e.effective < to && next > from { currencies[t.currency, default: []].insert(id) }
            }
        }
        let involved = currencies.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        if currencies.count > 1, involved.count == 1, let only = involved.first {
            throw ExportError("the tariff of cabinet \(only) changes currency within this period (\(currencies.keys.sorted().joined(separator: ", "))): export the periods before and after the change separately")
        }
        if currencies.count > 1 {
            let list = currencies.keys.sorted().map { "\($0) (\(currencies[$0]!.sorted().joined(separator: ", ")))" }.joined(separator: " and ")
            throw ExportError("the tariffs in force over this period are in \(list): a total would add unlike amounts; export one currency at a time with --cabinet")
        }
        let currency = currencies.keys.first
        currencyColumn = (currency ?? "eur").lowercased()
        result = ExportResult(rows: 0, bytes: 0, sha256: "", columns: [], totals: ExportTotals(), byKey: [:],
                              currency: currency)
    }

    static func columns(currency: String) -> [String] {
        ["period_start_utc", "period_end_utc", "period_start_local", "time_zone", "cabinet_id", "circuit_id",
         "intervals", "estimated_intervals", "gap_intervals", "coverage_percent",
         "energy_kwh", "metered_kwh", "burning_hours",
         "baseline_kwh", "baseline_method", "adjusted_baseline_kwh", "avoided_kwh", "avoided_percent",
         "pv_kwh", "renewable_share_percent",
         "tariff_\(currency)_per_kwh", "avoided_cost_\(currency)",
         "emission_factor_kg_per_kwh", "emission_factor_name", "emission_factor_source", "avoided_co2e_kg"]
    }

    func run(handle: FileHandle, progress: (Double) -> Void) throws -> ExportResult {
        let from = Int64(options.from.timeIntervalSince1970.rounded(.up))
        let to = Int64(options.to.timeIntervalSince1970.rounded(.up))
        try loadCabinets(from: from, to: to)
        try checkSelection(from: from, to: to)
        try writeHeader(to: handle)
        try readMeasurements(from: from, to: to, progress: progress)
        for cabinet in cabinets.values.sorted(by: { $0.id < $1.id }) {
            while cabinet.periodStart < to { try flush(cabinet) }
        }
        let written = try writer.finish()
        for c in cabinets.values {
            if options.grouping == .cabinet {
                result.byKey[c.id] = c.totals
            } else {
                for circuit in c.circuits { result.byKey[c.id + "/" + circuit.id] = circuit.totals }
            }
        }
        progress(1)
        result.bytes = written.bytes
        result.sha256 = written.sha256
        return result
    }

    /// Refuses an export of nothing: no cabinet, or no interval in [from, to).
    func checkSelection(from: Int64, to: Int64) throws {
        if cabinets.isEmpty {
            throw ExportError(options.cabinetID.map { "the ledger \(path) has no cabinet \($0)" } ?? "the ledger \(path) has no cabinet")
        }
        let anyData = try Int64.fetchOne(db, sql: "SELECT 1 FROM measurement WHERE start_unix >= ? AND start_unix < ? LIMIT 1",
                                         arguments: [from, to]) != nil
        if !anyData {
            throw ExportError("the ledger \(path) has no interval between \(LedgerStore.iso(from)) and \(LedgerStore.iso(to))")
        }
    }

    /// Starts the CSV: the writer and the header row.
    func writeHeader(to handle: FileHandle) throws {
        writer = CSVWriter(handle: handle, delimiter: options.delimiter, decimalComma: options.decimalComma)
        methodField = writer.encode("legacy-counterfactual")
        result.columns = Self.columns(currency: currencyColumn)
        for c in result.columns { writer.text(c) }
        try writer.endRow()
    }

    /// Reads `measurement` over [from, to) in key order (start first), adding each interval to
    /// its cabinet's period and writing each period once the first interval after it comes.
    /// SQLite reads on a thread of its own (``MeasurementFeed``) while the rows are added here.
    func readMeasurements(from: Int64, to: Int64, progress: (Double) -> Void) throws {
        let statement = try RawStatement(db, """
            SELECT start_unix, end_unix, cabinet_id, kind, channel_id, energy_wh, source, burning_seconds
            FROM measurement WHERE start_unix >= ? AND start_unix < ? ORDER BY start_unix, cabinet_id, kind, channel_id
            """)
        statement.bind(1, from)
        statement.bind(2, to)
        let feed = MeasurementFeed(statement)
        defer { feed.close() }
        var cabinetOfName: [CabinetState?] = []   // by the feed's cabinet number; nil: not exported
        var count = 0
        let span = Double(max(1, to - from))
        while let chunk = try feed.next() {
            while cabinetOfName.count < feed.cabinetNames.count {
                cabinetOfName.append(cabinets[feed.cabinetNames[cabinetOfName.count]])
            }
            channelNames = feed.channelNames
            for row in 0 ..< chunk.count {
                guard let cabinet = cabinetOfName[Int(chunk.cabinet[row])] else { continue }
                let start = chunk.start[row]
                while start >= cabinet.periodEnd { try flush(cabinet) }
                add(chunk, row, start: start, to: cabinet)
            }
            count += chunk.count
            if count & 0xFFFF == 0 { progress(Double((chunk.start.last ?? from) - from) / span) }
        }
    }

    /// Adds row `row` of `chunk` to its cabinet's current period.
    func add(_ chunk: MeasurementFeed.Chunk, _ row: Int, start: Int64, to cabinet: CabinetState) {
        let energy = chunk.energyWh[row]
        let source = chunk.source[row]   // m(etered), e(stimated), g(ap)
        switch chunk.kind[row] {
        case UInt8(ascii: "c"):
            let circuit = self.circuit(channel: chunk.channel[row], of: cabinet)
            if source == UInt8(ascii: "g") {
                circuit.gaps += 1
                return
            }
            // The baseline counts only where the reporting energy is known: avoided energy is
            // never inflated by gaps (coverage says how much is covered).
            let end = chunk.end[row]
            let dark = darkSeconds(cabinet, start, end)
            circuit.present += 1
            if source == UInt8(ascii: "e") { circuit.estimated += 1 }
            circuit.energyWh += energy
            circuit.burningSeconds += chunk.burningSeconds[row]
            if start < circuit.legacy.from || start >= circuit.legacy.until {
                circuit.legacy = circuit.legacyWatts.span(at: start, fallback: 0)
            }
            let baseline = Int64((circuit.legacy.value * dark / 3600).rounded())
            circuit.baselineWh += baseline
            circuit.coveredSeconds += Double(end - start)
            circuit.coveredDarkSeconds += dark
            let v = versions(cabinet, start)
            circuit.value.add(avoidedWh: baseline - energy, tariff: v.tariff, price: v.price, factor: v.factor, kg: v.kg)
        case UInt8(ascii: "p"):
            cabinet.pvWh += energy
        default:   // meter
            if source != UInt8(ascii: "g") {
                cabinet.meteredWh += energy
                cabinet.meterReadings += 1
            }
        }
    }

    /// The circuit of a circuit row, by the feed's channel number. Rows come in circuit order
    /// within an interval: the circuit after the last one is tried first; else the name is
    /// looked up, and a circuit measured but never declared is added (no legacy watts, so no
    /// baseline).
    func circuit(channel: Int32, of cabinet: CabinetState) -> CircuitState {
        if !cabinet.circuits.isEmpty {
            let predicted = cabinet.lastIndex + 1 < cabinet.circuits.count ? cabinet.lastIndex + 1 : 0
            if cabinet.circuits[predicted].channel == channel {
                cabinet.lastIndex = predicted
                return cabinet.circuits[predicted]
            }
        }
        let name = channelNames[Int(channel)]
        if let index = cabinet.circuitIndex[name] {
            cabinet.circuits[index].channel = channel
            cabinet.lastIndex = index
            return cabinet.circuits[index]
        }
        let circuit = CircuitState(id: name, legacyWatts: Timeline([]))
        circuit.channel = channel
        cabinet.circuits.append(circuit)
        cabinet.circuits.sort { $0.id < $1.id }
        cabinet.circuitIndex = Dictionary(uniqueKeysWithValues: cabinet.circuits.enumerated().map { ($1.id, $0) })
        cabinet.lastIndex = cabinet.circuitIndex[name] ?? -1
        return circuit
    }

    /// Registers the cabinets and circuits to export, with their declarations, and their first
    /// period.
    func loadCabinets(from: Int64, to: Int64) throws {
        for id in declarations.cabinetIDs where options.cabinetID == nil || id == options.cabinetID {
            // Local periods follow the time zone in force at the export's start.
            guard let record = declarations.site(of: id, at: from), let tz = TimeZone(identifier: record.timeZone),
                  let coordinate = GeoCoordinate(latitude: record.latitude, longitude: record.longitude) else {
                throw ExportError("cabinet \(id) in \(path) has an unknown time zone or an invalid place")
            }
            let site = Site(id: id, name: record.name, coordinate: coordinate, timeZone: tz)
            let darkHours = Timeline(declarations.timeline(cabinet: id, kind: "site").compactMap { e -> (Int64, DarkHours)? in
                guard case .site(let s) = e.content, let z = TimeZone(identifier: s.timeZone),
                      let c = GeoCoordinate(latitude: s.latitude, longitude: s.longitude) else { return nil }
                return (e.effective, DarkHours(site: Site(id: id, name: s.name, coordinate: c, timeZone: z)))
            })
            let tariffs = Timeline(declarations.timeline(cabinet: id, kind: "tariff").compactMap { e -> (Int64, Int64)? in
                guard case .tariff(let t) = e.content else { return nil }
                return (e.effective, NSDecimalNumber(decimal: t.pricePerKilowattHour * 1_000_000).int64Value)
            })
            let factors = Timeline(declarations.timeline(cabinet: id, kind: "emission-factor").compactMap { e -> (Int64, ExportEmissionFactor)? in
                guard case .emissionFactor(let f) = e.content else { return nil }
                return (e.effective, ExportEmissionFactor(name: f.name, kgPerKilowattHour: f.kgPerKilowattHour, source: f.source))
            })
            let circuits = declarations.circuits(cabinet: id, at: from, until: to).map { c in
                CircuitState(id: c.circuitID, legacyWatts: Timeline(declarations.timeline(cabinet: id, kind: "circuit", subject: c.circuitID)
                                .compactMap { e -> (Int64, Double)? in
                                    guard case .circuit(let v) = e.content else { return nil }
                                    return (e.effective, v.legacyWatts)
                                }))
            }
            let native = try Int64.fetchOne(db, sql: """
                SELECT end_unix - start_unix FROM measurement WHERE start_unix >= ? AND start_unix < ? AND cabinet_id = ?
                ORDER BY start_unix LIMIT 1
                """, arguments: [from, to, id]) ?? 900
            let state = CabinetState(id: id, site: site, native: native, circuits: circuits, darkHours: darkHours,
                                     tariffs: tariffs, factors: factors, delimiter: options.delimiter)
            let (a, b) = period(containing: from, state)
            state.periodStart = max(a, from)
            state.periodEnd = min(b, to)
            cabinets[id] = state
        }
    }

    /// The export period containing `t` for a cabinet (local hours, days and months).
    func period(containing t: Int64, _ c: CabinetState) -> (Int64, Int64) {
        switch options.interval {
        case .native:
            let s = t - ((t % c.native) + c.native) % c.native
            return (s, s + c.native)
        case .hour:
            let offset = Int64(c.offsets.offset(at: t))
            let local = t + offset
            let s = local - ((local % 3600) + 3600) % 3600 - offset
            return (s, s + 3600)
        case .day:
            let d = c.clock.local(Date(timeIntervalSince1970: TimeInterval(t))).date
            return (seconds(c.clock.instant(d, secondsOfDay: 0)), seconds(c.clock.instant(d.adding(days: 1), secondsOfDay: 0)))
        case .month:
            let d = c.clock.local(Date(timeIntervalSince1970: TimeInterval(t))).date
            let first = CivilDate(year: d.year, month: d.month, day: 1)!
            let next = first.adding(days: first.daysInMonth)
            return (seconds(c.clock.instant(first, secondsOfDay: 0)), seconds(c.clock.instant(next, secondsOfDay: 0)))
        }
    }

    func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded()) }

    /// Seconds of [start, end) between sunset and sunrise at the cabinet, as declared at
    /// `start` (cached per start: every circuit of an interval asks for the same one).
    func darkSeconds(_ c: CabinetState, _ start: Int64, _ end: Int64) -> Double {
        if c.darkForStart.start == start { return c.darkForStart.seconds }
        let version = c.darkHours.index(at: start) ?? 0
        let total = c.darkHours.values[version].seconds(from: Date(timeIntervalSince1970: TimeInterval(start)),
                                                         to: Date(timeIntervalSince1970: TimeInterval(end)))
        c.darkForStart = (start, total)
        return total
    }

    /// The tariff and emission-factor versions in force at `start` (-1: none yet), cached per
    /// start like the dark seconds.
    func versions(_ c: CabinetState, _ start: Int64) -> (start: Int64, tariff: Int, price: Int64, factor: Int, kg: Double) {
        if c.versionsForStart.start != start {
            let t = c.tariffs.index(at: start) ?? -1, f = c.factors.index(at: start) ?? -1
            c.versionsForStart = (start, t, t >= 0 ? c.tariffs.values[t] : 0, f, f >= 0 ? c.factors.values[f].kgPerKilowattHour : 0)
        }
        return c.versionsForStart
    }

    /// Writes the rows of a cabinet's current period and moves it to the next period.
    func flush(_ c: CabinetState) throws {
        let expected = max(1, (c.periodEnd - c.periodStart + c.native - 1) / c.native)
        let to = Int64(options.to.timeIntervalSince1970.rounded(.up))
        if options.grouping == .circuit {
            for circuit in c.circuits {
                let missing = max(0, expected - circuit.present - circuit.gaps)
                if circuit.csvID.isEmpty { circuit.csvID = writer.encode(circuit.id) }
                let row = RowFigures(intervals: expected, estimated: circuit.estimated, gaps: circuit.gaps + missing,
                                     energyWh: circuit.energyWh, meteredWh: nil, burningSeconds: circuit.burningSeconds,
                                     baselineWh: circuit.baselineWh, pvWh: nil, coveredSeconds: circuit.coveredSeconds,
                                     coveredDarkSeconds: circuit.coveredDarkSeconds, value: circuit.value)
                try writeRow(c, circuit: circuit.id, row, into: &circuit.totals, circuitField: circuit.csvID.isEmpty ? nil : circuit.csvID)
                circuit.reset()
            }
        } else {
            var row = RowFigures(intervals: expected * Int64(max(1, c.circuits.count)),
                                 meteredWh: c.meterReadings > 0 ? c.meteredWh : nil, pvWh: c.pvWh)
            for circuit in c.circuits {
                let missing = max(0, expected - circuit.present - circuit.gaps)
                row.energyWh += circuit.energyWh; row.baselineWh += circuit.baselineWh
                row.burningSeconds += circuit.burningSeconds
                row.estimated += circuit.estimated; row.gaps += circuit.gaps + missing
                row.coveredSeconds = max(row.coveredSeconds, circuit.coveredSeconds)
                row.coveredDarkSeconds = max(row.coveredDarkSeconds, circuit.coveredDarkSeconds)
                row.value.merge(circuit.value)
                circuit.reset()
            }
            try writeRow(c, circuit: "all", row, into: &c.totals)
        }
        c.pvWh = 0; c.meteredWh = 0; c.meterReadings = 0
        // The next period starts where this one ended, even when this one was cut short by the
        // end of the export (a period clamped at `to` must not be found again).
        let (_, b) = period(containing: c.periodEnd, c)
        c.periodStart = c.periodEnd
        c.periodEnd = max(c.periodStart + 1, min(b, to))
    }
}

extension RawStatement {
    /// The first byte of a text column (0 when empty or NULL).
    func firstByte(_ column: Int32) -> UInt8 {
        guard let p = textPointer(column), byteCount(column) > 0 else { return 0 }
        return p.pointee
    }

    /// Whether a text column holds exactly these bytes.
    func equals(_ column: Int32, _ bytes: [UInt8]) -> Bool {
        let n = byteCount(column)
        guard n == bytes.count, let p = textPointer(column) else { return n == 0 && bytes.isEmpty }
        return bytes.withUnsafeBytes { memcmp($0.baseAddress!, p, n) == 0 }
    }
}
