import Foundation
import GRDB
import Lighting
import Units

extension LedgerStore {
    /// Lighting consumption and renewable production of the intervals that *start* in
    /// `[from, to)`, summed exactly (integer watt-hours, returned as ``Lighting/Energy``).
    ///
    /// Counting by start instant puts each interval in exactly one period of any partition of
    /// time, so monthly totals add up to the yearly total.
    ///
    /// - Parameter cabinetID: restricts both sums to one cabinet; `nil` sums all cabinets.
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func totals(from: Date, to: Date, cabinetID: String? = nil)
        throws(LedgerError) -> (lighting: Energy, production: Energy)
    {
        let lower = LedgerStore.secondsCeiling(from)
        let upper = LedgerStore.secondsCeiling(to)
        let sums = try read { db -> [Int64] in
            var filter = ""
            var arguments: StatementArguments = [lower, upper]
            if let cabinetID {
                filter = " AND cabinet_id = ?"
                arguments += [cabinetID]
            }
            let lighting = try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(energy_wh), 0) FROM circuit_interval
                WHERE start_unix >= ? AND start_unix < ?\(filter)
                """, arguments: arguments) ?? 0
            let production = try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(energy_wh), 0) FROM production_interval
                WHERE start_unix >= ? AND start_unix < ?\(filter)
                """, arguments: arguments) ?? 0
            return [lighting, production]
        }
        return (Energy(wattHours: sums[0]), Energy(wattHours: sums[1]))
    }

    /// The intervals of one circuit that start in `[from, to)`, ordered by start.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func circuitIntervals(cabinet cabinetID: String, circuit circuitID: String,
                                 from: Date, to: Date) throws(LedgerError) -> [CircuitInterval] {
        let lower = LedgerStore.secondsCeiling(from)
        let upper = LedgerStore.secondsCeiling(to)
        let path = self.path
        return try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT start_unix, end_unix, energy_wh, source, burning_seconds, mean_level_tenths
                FROM circuit_interval
                WHERE cabinet_id = ? AND circuit_id = ? AND start_unix >= ? AND start_unix < ?
                ORDER BY start_unix
                """, arguments: [cabinetID, circuitID, lower, upper])
            var result: [CircuitInterval] = []
            while let row = try rows.next() {
                let sourceText: String = row[3]
                let tenths: Int = row[5]
                guard let source = EnergySource(rawValue: sourceText),
                      let level = DimLevel(tenths: tenths) else {
                    throw LedgerError.readFailed(
                        path: path,
                        reason: "circuit interval (cabinet \"\(cabinetID)\", circuit \"\(circuitID)\", start \(LedgerStore.iso(row[0]))) has source \"\(sourceText)\" and level \(tenths) tenths, which this build cannot read")
                }
                result.append(CircuitInterval(
                    cabinetID: cabinetID, circuitID: circuitID,
                    start: Date(timeIntervalSince1970: TimeInterval(row[0] as Int64)),
                    end: Date(timeIntervalSince1970: TimeInterval(row[1] as Int64)),
                    energyWh: row[2], source: source, burningSeconds: row[4], meanLevel: level))
            }
            return result
        }
    }

    /// The intervals of one inverter that start in `[from, to)`, ordered by start.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func productionIntervals(cabinet cabinetID: String, inverter inverterID: String,
                                    from: Date, to: Date) throws(LedgerError) -> [ProductionInterval] {
        let lower = LedgerStore.secondsCeiling(from)
        let upper = LedgerStore.secondsCeiling(to)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT start_unix, end_unix, energy_wh FROM production_interval
                WHERE cabinet_id = ? AND inverter_id = ? AND start_unix >= ? AND start_unix < ?
                ORDER BY start_unix
                """, arguments: [cabinetID, inverterID, lower, upper]).map { row in
                ProductionInterval(
                    cabinetID: cabinetID, inverterID: inverterID,
                    start: Date(timeIntervalSince1970: TimeInterval(row[0] as Int64)),
                    end: Date(timeIntervalSince1970: TimeInterval(row[1] as Int64)),
                    energyWh: row[2])
            }
        }
    }

    /// The smallest whole second at or after `date`: an integer start `s` satisfies
    /// `s >= date` exactly when `s >= secondsCeiling(date)`.
    static func secondsCeiling(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.up))
    }
}

extension LedgerStore {
    /// The end of the last interval recorded for a cabinet (any kind), or nil.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func lastIntervalEnd(cabinet cabinetID: String) throws(LedgerError) -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: """
                SELECT end_unix FROM measurement WHERE cabinet_id = ? ORDER BY start_unix DESC, end_unix DESC LIMIT 1
                """, arguments: [cabinetID])
                .map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
    }

    /// The meter's last register value in the ledger and the end of its interval: what a
    /// restarted controller counts on from.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func lastRegisterReading(cabinet cabinetID: String, meter meterID: String) throws(LedgerError) -> (wattHours: Int64, end: Date)? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT register_wh, end_unix FROM measurement
                WHERE cabinet_id = ? AND kind = 'meter' AND channel_id = ? AND register_wh IS NOT NULL
                ORDER BY start_unix DESC LIMIT 1
                """, arguments: [cabinetID, meterID]).map { row in
                (row[0] as Int64, Date(timeIntervalSince1970: TimeInterval(row[1] as Int64)))
            }
        }
    }

    /// The last register value recorded for a meter, or nil.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func lastRegister(cabinet cabinetID: String, meter meterID: String) throws(LedgerError) -> Int64? {
        try lastRegisterReading(cabinet: cabinetID, meter: meterID)?.wattHours
    }
}

extension LedgerStore {
    /// A cabinet's chained events from `since` (inclusive; nil: from the first), of `kinds`
    /// (empty: every kind), oldest first, at most `limit` of the latest: each with its place in
    /// the chain's event table.
    ///
    /// - Throws: ``LedgerError/readFailed(path:reason:)``.
    public func events(cabinet cabinetID: String, since: Date? = nil, kinds: Set<LedgerEvent.Kind> = [],
                       limit: Int = 1000) throws(LedgerError) -> [(seq: Int64, event: LedgerEvent)] {
        let kindList = kinds.map(\.rawValue).sorted()
        return try read { db in
            var sql = "SELECT seq, at_unix, kind, subject, detail FROM event WHERE cabinet_id = ?"
            var arguments: [any DatabaseValueConvertible] = [cabinetID]
            if let since {
                sql += " AND at_unix >= ?"
                arguments.append(Int64(since.timeIntervalSince1970.rounded(.down)))
            }
            if !kindList.isEmpty {
                sql += " AND kind IN (\(kindList.map { _ in "?" }.joined(separator: ", ")))"
                arguments.append(contentsOf: kindList)
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).reversed().map { row in
                let kind = LedgerEvent.Kind(rawValue: row[2]) ?? .ledger
                return (row[0] as Int64, LedgerEvent(cabinetID: cabinetID, at: Date(timeIntervalSince1970: TimeInterval(row[1] as Int64)),
                                                     kind: kind, subject: row[3], detail: row[4]))
            }
        }
    }
}
