import Foundation

/// The figures of one exported row, before formatting: a circuit's over a period, or its
/// cabinet's (circuits summed, with PV and the meter).
struct RowFigures {
    var intervals: Int64
    var estimated: Int64 = 0, gaps: Int64 = 0
    var energyWh: Int64 = 0
    var meteredWh: Int64?
    var burningSeconds: Int64 = 0
    var baselineWh: Int64 = 0
    var pvWh: Int64?
    /// Seconds and dark seconds of the intervals present (for the IPMVP model).
    var coveredSeconds: Double = 0, coveredDarkSeconds: Double = 0
    /// What the row's avoided energy is worth.
    var value = Valuation()
}

extension LedgerExporter {
    /// Writes one row of the cabinet's current period and adds it to the totals.
    func writeRow(_ c: CabinetState, circuit: String, _ row: RowFigures, into keyTotals: inout ExportTotals,
                  circuitField: [UInt8]? = nil) throws {
        writePeriodFields(c)
        writer.field(encoded: circuitField ?? writer.encode(circuit))
        writeEnergies(row)
        let cost = writeCost(c, row.value)
        let grams = writeEmissions(c, row.value)
        try writer.endRow()
        result.rows += 1
        func add(_ t: inout ExportTotals) {
            t.energyWh += row.energyWh; t.baselineWh += row.baselineWh; t.pvWh += row.pvWh ?? 0
            t.avoidedCostTenThousandths += cost ?? 0; t.avoidedCO2eGrams += grams ?? 0
            t.intervals += row.intervals; t.estimatedIntervals += row.estimated; t.gapIntervals += row.gaps
        }
        add(&result.totals)
        add(&keyTotals)
        if options.collectRows {
            result.collected.append(ExportedRow(
                periodStart: Date(timeIntervalSince1970: TimeInterval(c.periodStart)),
                periodEnd: Date(timeIntervalSince1970: TimeInterval(c.periodEnd)), cabinetID: c.id, circuitID: circuit,
                energyWh: row.energyWh, baselineWh: row.baselineWh, pvWh: row.pvWh ?? 0, intervals: row.intervals,
                estimatedIntervals: row.estimated, gapIntervals: row.gaps, coveredSeconds: row.coveredSeconds,
                coveredDarkSeconds: row.coveredDarkSeconds, avoidedCostTenThousandths: cost, avoidedCO2eGrams: grams))
        }
    }

    /// The period's instants, its time zone and its cabinet: written once per period, shared by
    /// its rows.
    func writePeriodFields(_ c: CabinetState) {
        if c.periodFields.start != c.periodStart {
            c.periodFields.update(start: c.periodStart, end: c.periodEnd, offset: c.offsets.offset(at: c.periodStart))
        }
        writer.field(encoded: c.periodFields.bytes)
    }

    /// From `intervals` to `renewable_share_percent`.
    func writeEnergies(_ row: RowFigures) {
        writer.integer(row.intervals)
        writer.integer(row.estimated)
        writer.integer(row.gaps)
        writer.decimal(row.intervals > 0 ? 100 * Double(row.intervals - row.gaps) / Double(row.intervals) : 0, scale: 2)
        writer.fixed(row.energyWh, scale: 3)
        if let m = row.meteredWh { writer.fixed(m, scale: 3) } else { writer.empty() }
        writer.fixed((row.burningSeconds * 100 + 1800) / 3600, scale: 2)
        writer.fixed(row.baselineWh, scale: 3)
        writer.field(encoded: methodField)
        if let model = options.adjustedBaseline, row.coveredSeconds > 0 {
            writer.decimal(model(row.coveredSeconds, row.coveredDarkSeconds / 3600), scale: 3)
        } else { writer.empty() }
        let avoided = row.baselineWh - row.energyWh
        writer.fixed(avoided, scale: 3)
        if row.baselineWh > 0 { writer.decimal(100 * Double(avoided) / Double(row.baselineWh), scale: 2) } else { writer.empty() }
        if let pv = row.pvWh {
            writer.fixed(pv, scale: 3)
            if row.energyWh > 0 { writer.decimal(100 * Double(pv) / Double(row.energyWh), scale: 2) } else { writer.empty() }
        } else { writer.empty(); writer.empty() }
    }

    /// The tariff and the avoided cost: each interval's avoided Wh at the tariff in force then,
    /// rounded once per row. A row with no priced interval shows the tariff in force at its
    /// start, if any. Returns the cost in ten-thousandths, nil when no tariff applies.
    func writeCost(_ c: CabinetState, _ value: Valuation) -> Int64? {
        let tariff = value.tariff != -1 ? value.tariff : c.tariffs.index(at: c.periodStart) ?? -1
        guard tariff != -1 else {
            writer.empty(); writer.empty()
            return nil
        }
        if tariff >= 0 { writer.fixed(c.tariffs.values[tariff], scale: 6) } else { writer.empty() }   // -2: several
        // Wh × (millionths per kWh) / 1000 = millionths; kept to ten-thousandths.
        let m = value.costMicroWh / 1000
        let cost = (m + (m >= 0 ? 50 : -50)) / 100
        writer.fixed(cost, scale: 4)
        return cost
    }

    /// The emission factor's value, name and source, and the avoided CO2e. Returns the grams,
    /// nil when no factor applies.
    func writeEmissions(_ c: CabinetState, _ value: Valuation) -> Int64? {
        let factor = value.factor != -1 ? value.factor : c.factors.index(at: c.periodStart) ?? -1
        guard factor != -1 else {
            writer.empty(); writer.empty(); writer.empty(); writer.empty()
            return nil
        }
        if !value.severalFactors {
            encodeFactorFields(c)
            writer.field(encoded: c.factorFields[factor])
            if !c.factorUsed[factor] {
                c.factorUsed[factor] = true
                if !result.emissionFactors.contains(c.factors.values[factor]) { result.emissionFactors.append(c.factors.values[factor]) }
            }
        } else {
            writer.empty(); writer.text("several (see the ledger's declarations)"); writer.empty()
            // The factors in force during the row.
            for (i, f) in c.factors.values.enumerated() where c.factors.effective[i] < c.periodEnd
                && (i + 1 == c.factors.effective.count || c.factors.effective[i + 1] > c.periodStart) && !result.emissionFactors.contains(f) {
                result.emissionFactors.append(f)
            }
        }
        let grams = Int64(value.grams.rounded())
        writer.fixed(grams, scale: 3)
        return grams
    }

    /// Encodes value, name and source of every version of the cabinet's emission factor, the
    /// first time a row needs them: three fields, encoded once.
    func encodeFactorFields(_ c: CabinetState) {
        if c.factorFields.isEmpty {
            c.factorFields = c.factors.values.map { f in
                var scratch = CSVWriter(handle: nil, delimiter: options.delimiter, decimalComma: options.decimalComma)
                scratch.decimal(f.kgPerKilowattHour, scale: 4)
                return scratch.pendingBytes + [options.delimiter] + writer.encode(f.name) + [options.delimiter] + writer.encode(f.source)
            }
            c.factorUsed = Array(repeating: false, count: c.factors.values.count)
        }
    }
}
