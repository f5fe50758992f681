import ArgumentParser
import Astronomy
import Cabinet
import Foundation
import Ledger
import Lighting
import Savings
import Units

/// `lanterne roi`: the return on a lighting investment — payback, NPV, IRR, SIR and avoided
/// emissions — computed from figures.
///
/// Thin: `validate()` checks the options and builds the `InvestmentCase`; `run()` hands it to
/// `RoiCommand.report(for:factor:basis:)` (the library's `InvestmentCase.evaluate()` plus the
/// emission factor) and prints the result as a table or as one JSON object. A mode reading the
/// savings from a ledger only has to build another `InvestmentCase` and call the same function.
struct RoiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roi",
        abstract: "Return on a lighting investment: payback, NPV, IRR, SIR, avoided CO2e.",
        discussion: """
            Cash flows fall at year ends: year 0 is -capex; year t brings the energy savings \
            valued at the year-1 price grown by the escalation, (1 + escalation)^(t-1), each \
            rounded to the cent, plus the maintenance savings. Money is computed in decimal, \
            never in binary floating point. Rates are fractions: 0.04 is 4 %. See docs/SAVINGS.md.
            """)

    /// Currency of every amount of this command (its options are in EUR).
    static let currency = "EUR"

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Capital expenditure, in EUR (0 or more).", valueName: "EUR"))
    var capex: String?

    @Option(name: .customLong("annual-savings-kwh"), parsing: .unconditional,
            help: ArgumentHelp("Energy saved per year, in kWh.", valueName: "kWh"))
    var annualSavingsKWh: Double?

    @Option(name: .customLong("price-eur-kwh"), parsing: .unconditional,
            help: ArgumentHelp("Price of a kWh in year 1, in EUR (0 or more).", valueName: "EUR"))
    var priceEurKWh: String?

    @Option(name: .customLong("discount-rate"), parsing: .unconditional,
            help: ArgumentHelp("Discount rate per year, a fraction above -1 and at most 1 (0.04 for 4 %).",
                               valueName: "fraction"))
    var discountRate: Double?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Lifetime of the investment, in years (1 ... 100).", valueName: "years"))
    var years: Int?

    @Option(help: ArgumentHelp("Measured mode: the ledger holding the cabinet's intervals.", valueName: "path"))
    var ledger: String?

    @OptionGroup var cabinetChoice: CabinetChoiceOptions

    @Option(help: ArgumentHelp("Measured mode: first day of the period, in the cabinet's time zone.", valueName: Day.valueName))
    var from: Day?

    @Option(help: ArgumentHelp("Measured mode: day after the last.", valueName: Day.valueName))
    var to: Day?

    @Option(name: .customLong("annual-maintenance-savings-eur"), parsing: .unconditional,
            help: ArgumentHelp("Maintenance costs avoided per year, in EUR (negative for added costs).",
                               valueName: "EUR"))
    var annualMaintenanceSavingsEur: String = "0"

    @Option(name: .customLong("price-escalation"), parsing: .unconditional,
            help: ArgumentHelp("Growth of the energy price per year, a fraction (0.02 for 2 %).", valueName: "fraction"))
    var priceEscalation: Double = 0

    @Option(name: .customLong("emission-factor"), parsing: .unconditional,
            help: ArgumentHelp("fr-ademe (France, ADEME average mix; the default from figures), eu-eea (EU-27, EEA) or a number of kg CO2e per kWh; in measured mode the ledger's declared factor unless given.",
                               valueName: "factor"))
    var emissionFactor: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    /// Measured mode: savings from the ledger, annualised; figures from the cabinet file unless
    /// given on the command line.
    var measured: Bool { ledger != nil || cabinetChoice.cabinet != nil || from != nil || to != nil }

    func validate() throws {
        if measured {
            guard ledger != nil, let from, let to else {
                throw ValidationError("measured mode needs --ledger, --from and --to together")
            }
            guard from < to else {
                throw ValidationError("--from and --to must be dates YYYY-MM-DD, --to after --from")
            }
            if annualSavingsKWh != nil {
                throw ValidationError("--annual-savings-kwh is measured from the ledger in measured mode; leave it out")
            }
            return
        }
        guard let capex else { throw ValidationError("missing --capex: the capital expenditure, in EUR") }
        guard let priceEurKWh else { throw ValidationError("missing --price-eur-kwh: the price of a kWh, in EUR") }
        guard let discountRate else { throw ValidationError("missing --discount-rate: a fraction, 0.04 for 4 %") }
        guard let years else { throw ValidationError("missing --years: the lifetime of the investment") }
        guard let amount = Self.amount(capex), amount >= 0 else {
            throw ValidationError("--capex must be an amount of 0 or more in EUR, such as 120000; found '\(capex)'")
        }
        guard let annualSavingsKWh else {
            throw ValidationError("missing --annual-savings-kwh: the energy saved per year, in kWh")
        }
        guard annualSavingsKWh.isFinite else {
            throw ValidationError("--annual-savings-kwh must be a finite number of kWh per year, found \(annualSavingsKWh)")
        }
        guard let price = Self.amount(priceEurKWh), price >= 0 else {
            throw ValidationError("--price-eur-kwh must be a price of 0 or more in EUR per kWh, such as 0.18; found '\(priceEurKWh)'")
        }
        guard discountRate.isFinite, discountRate > -1, discountRate <= 1 else {
            throw ValidationError("--discount-rate must be a fraction above -1 and at most 1 (0.04 for 4 %), found \(discountRate)")
        }
        guard InvestmentCase.lifetimeRange.contains(years) else {
            throw ValidationError("--years must be \(InvestmentCase.lifetimeRange.lowerBound) to "
                                  + "\(InvestmentCase.lifetimeRange.upperBound), found \(years)")
        }
        guard Self.amount(annualMaintenanceSavingsEur) != nil else {
            throw ValidationError("--annual-maintenance-savings-eur must be an amount in EUR, such as 1500; "
                                  + "found '\(annualMaintenanceSavingsEur)'")
        }
        guard priceEscalation.isFinite, priceEscalation > -1, priceEscalation <= 1 else {
            throw ValidationError("--price-escalation must be a fraction above -1 and at most 1 (0.02 for 2 %), "
                                  + "found \(priceEscalation)")
        }
        guard Self.emissionFactor(emissionFactor ?? "fr-ademe") != nil else {
            throw ValidationError("--emission-factor must be fr-ademe, eu-eea or a number of kg CO2e per kWh "
                                  + "(0 or more), found '\(emissionFactor ?? "")'")
        }
        do { try figuresCase().validate() } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let report: Report
        guard let factor = Self.emissionFactor(emissionFactor ?? "fr-ademe") else {
            throw ValidationError("invalid --emission-factor '\(emissionFactor ?? "")'")  // validate() checked it
        }
        if let ledger, let from, let to {
            let (investment, basis, declared) = try measuredCase(ledger: ledger, from: from, to: to)
            report = try Self.report(for: investment, factor: emissionFactor == nil ? declared ?? factor : factor, basis: basis)
        } else {
            report = try Self.report(for: figuresCase(), factor: factor, basis: "from figures")
        }
        print(json ? try Console.json(Self.jsonObject(report)) : Self.text(report))
    }

    /// The investment case the options describe (after `validate()`; a missing savings figure
    /// counts as 0).
    func figuresCase() -> InvestmentCase {
        InvestmentCase(capex: capex.flatMap(Self.amount) ?? 0, currency: Self.currency,
                       annualEnergySavingsKWh: annualSavingsKWh ?? 0,
                       energyPrice: .flat(perKWh: priceEurKWh.flatMap(Self.amount) ?? 0),
                       annualMaintenanceSavings: Self.amount(annualMaintenanceSavingsEur) ?? 0,
                       discountRate: discountRate ?? 0, lifetimeYears: years ?? 1, priceEscalation: priceEscalation)
    }

    /// Measured mode: the ledger's savings over the period, annualised, with the investment
    /// case and tariff the ledger declares (overridden by any figure given on the command line,
    /// which the basis then says).
    func measuredCase(ledger: String, from: Day, to: Day) throws -> (InvestmentCase, String, EmissionFactor?) {
        let id = try cabinetChoice.id()
        let store = try LedgerOptions.open(ledger)
        defer { try? store.close() }
        let site = try LedgerAnalysis.site(in: store, cabinet: id)
        let clock = LocalClock(timeZone: TimeZone(identifier: site.timeZone) ?? .gmt)
        let start = from.start(in: clock), end = to.start(in: clock)
        let analysis = try LedgerAnalysis.analyse(store: store, cabinet: site.id, from: start, to: end)
        guard var investment = try analysis.investmentCase()
                ?? (capex != nil && discountRate != nil && years != nil && priceEurKWh != nil ? figuresCase() : nil) else {
            throw CommandFailure("\(ledger) declares no investment case and tariff for cabinet \(analysis.cabinetID) (lanterne ledger declare), and the command line does not give --capex, --price-eur-kwh, --discount-rate and --years")
        }
        investment.annualEnergySavingsKWh = analysis.annualisedAvoidedKWh
        var overridden: [String] = []
        if let c = capex.flatMap(Self.amount) { investment.capex = c; overridden.append("--capex") }
        if let p = priceEurKWh.flatMap(Self.amount) { investment.energyPrice = .flat(perKWh: p); overridden.append("--price-eur-kwh") }
        if let r = discountRate { investment.discountRate = r; overridden.append("--discount-rate") }
        if let y = years { investment.lifetimeYears = y; overridden.append("--years") }
        if annualMaintenanceSavingsEur != "0", let m = Self.amount(annualMaintenanceSavingsEur) {
            investment.annualMaintenanceSavings = m
            overridden.append("--annual-maintenance-savings-eur")
        }
        if priceEscalation != 0 { investment.priceEscalation = priceEscalation; overridden.append("--price-escalation") }
        let days = end.timeIntervalSince(start) / 86_400
        if days < 360 {
            Console.stderr("warning: the period is \(Int(days.rounded())) days: savings scaled to a year from it over- or understate the seasons (nights are longer in winter); measure a whole year for a sound figure\n")
        }
        let basis = "measured over \(from) to \(to) (\(Int(days.rounded())) days, annualised) from \(ledger)"
            + (overridden.isEmpty ? ", with the investment case and tariff it declares" : "; the ledger's declared figures overridden by \(overridden.joined(separator: ", "))")
        let declared = analysis.emissionFactors.last.flatMap {
            try? EmissionFactor(id: "declared", name: $0.name, kgCO2ePerKWh: $0.kgPerKilowattHour, source: $0.source, year: nil)
        }
        return (investment, basis, declared)
    }

    // MARK: - Computation

    /// Everything the output shows.
    struct Report {
        /// Where the figures come from, e.g. "from figures".
        var basis: String
        var investment: InvestmentCase
        var result: ROIResult
        var factor: EmissionFactor
        /// Year-1 avoided emissions, kg CO2e.
        var avoidedKgCO2ePerYear: Double
    }

    /// Evaluates `investment` and its avoided emissions under `factor`.
    static func report(for investment: InvestmentCase, factor: EmissionFactor, basis: String) throws(FinanceError) -> Report {
        let result = try investment.evaluate()
        return Report(basis: basis, investment: investment, result: result, factor: factor,
                      avoidedKgCO2ePerYear: factor.avoidedKgCO2e(kWh: investment.annualEnergySavingsKWh))
    }

    /// A preset name or a number of kg CO2e per kWh (0 or more); nil otherwise.
    static func emissionFactor(_ text: String) -> EmissionFactor? {
        if let preset = EmissionFactor.preset(text) { return preset }
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return try? EmissionFactor.custom(kgCO2ePerKWh: value, source: "given with --emission-factor")
    }

    /// A decimal amount written with digits, an optional sign and an optional decimal point
    /// (120000, 0.18, -1500.5); nil for anything else (no exponent, no grouping, no comma).
    static func amount(_ text: String) -> Decimal? {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts.contains(where: { !$0.isEmpty }) else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    // MARK: - Text

    static func text(_ report: Report) -> String {
        let r = report.result, c = report.investment, cur = r.currency
        var lines = ["Return on investment, \(report.basis) (\(cur))", ""]
        func row(_ label: String, _ value: String, _ unit: String = "", _ note: String = "") {
            var line = "  " + padded(label, 28) + leftPadded(value, 13)
            if !unit.isEmpty || !note.isEmpty { line += " " + padded(unit, 9) }
            if !note.isEmpty { line += "  " + note }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        let escalation = c.priceEscalation == 0 ? "" : "escalating \(percent(c.priceEscalation)) %/yr from year 2"
        row("Capex", money(r.capex), cur)
        row("Annual energy savings", number(r.annualEnergySavingsKWh, decimals: 1), "kWh")
        row("Energy price", decimalText(r.pricePerKWh, minimumFractionDigits: 2), "\(cur)/kWh", escalation)
        row("Annual avoided energy cost", money(r.annualAvoidedCost), cur, "year 1")
        row("Annual maintenance savings", money(DecimalRounding.cents(c.annualMaintenanceSavings)), cur)
        row("Discount rate", percent(r.discountRate), "%")
        row("Lifetime", "\(r.lifetimeYears)", "years")
        lines.append("")
        row("Simple payback", r.simplePaybackYears.map { number($0, decimals: 1) } ?? "—", "years",
            r.simplePaybackYears == nil ? "net savings are not positive" : "capex / year-1 net savings")
        row("Discounted payback", r.discountedPaybackYears.map { number($0, decimals: 1) } ?? "—", "years",
            r.discountedPaybackYears == nil ? "not within \(r.lifetimeYears) years" : "cumulative discounted cash flow reaches 0")
        row("NPV", money(r.npv), cur, "at \(percent(r.discountRate)) %, year-end cash flows")
        row("IRR", r.irr.map { percent($0) } ?? "—", "%", r.irr == nil ? "no rate makes the NPV 0" : "")
        row("SIR", r.sir.map { number($0, decimals: 2) } ?? "—", "", "present value of savings / capex")
        row("Avoided CO2e", number(report.avoidedKgCO2ePerYear / 1000, decimals: 1), "t/yr",
            "\(report.factor.name), \(trimmed(report.factor.kgCO2ePerKWh)) kg CO2e/kWh")
        lines.append("  " + padded("", 28 + 13 + 1 + 9) + "  source: \(report.factor.source)")
        lines.append("")
        lines.append(contentsOf: chart(r))
        return lines.joined(separator: "\n")
    }

    /// The yearly cash flows and the cumulative discounted cash flow, with a bar either side of
    /// zero.
    static func chart(_ r: ROIResult) -> [String] {
        let width = 20
        let values = r.years.map { double($0.cumulativeDiscounted) }
        let scale = values.map(abs).max() ?? 0
        var lines = ["  Cumulative discounted cash flow (\(r.currency), year ends)",
                     "  " + leftPadded("year", 4) + leftPadded("cash flow", 15) + leftPadded("cumulative disc.", 18)]
        for (year, value) in zip(r.years, values) {
            let length = scale > 0 ? Int((abs(value) / scale * Double(width)).rounded()) : 0
            let bar = String(repeating: "█", count: length)
            let left = value < 0 ? leftPadded(bar, width) : String(repeating: " ", count: width)
            let right = value > 0 ? bar : ""
            var line = "  " + leftPadded("\(year.year)", 4) + leftPadded(money(year.cashFlow), 15)
                + leftPadded(money(year.cumulativeDiscounted), 18) + "  " + left + "│" + right
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines
    }

    // MARK: - JSON

    /// The `--json` object: amounts in EUR to the cent, rates as fractions, years to 0.001.
    static func jsonObject(_ report: Report) -> [String: Any] {
        let r = report.result, c = report.investment
        func optional(_ value: Double?, _ decimals: Int) -> Any { value.map { rounded($0, decimals) } ?? NSNull() }
        return [
            "basis": report.basis,
            "currency": r.currency,
            "capexEur": double(DecimalRounding.cents(r.capex)),
            "annualSavingsKWh": r.annualEnergySavingsKWh,
            "priceEurPerKWh": double(r.pricePerKWh),
            "priceEscalation": c.priceEscalation,
            "annualMaintenanceSavingsEur": double(DecimalRounding.cents(c.annualMaintenanceSavings)),
            "discountRate": r.discountRate,
            "years": r.lifetimeYears,
            "annualAvoidedCostEur": double(r.annualAvoidedCost),
            "annualNetSavingsEur": double(r.annualNetSavings),
            "simplePaybackYears": optional(r.simplePaybackYears, 3),
            "discountedPaybackYears": optional(r.discountedPaybackYears, 3),
            "npvEur": double(r.npv),
            "presentValueOfSavingsEur": double(r.presentValueOfSavings),
            "irr": optional(r.irr, 6),
            "sir": optional(r.sir, 4),
            "avoidedCO2eKgPerYear": rounded(report.avoidedKgCO2ePerYear, 1),
            "emissionFactor": [
                "id": report.factor.id, "name": report.factor.name, "kgPerKWh": report.factor.kgCO2ePerKWh,
                "source": report.factor.source, "year": report.factor.year.map { $0 as Any } ?? NSNull(),
            ] as [String: Any],
            "cashFlows": r.years.map { y -> [String: Any] in
                ["year": y.year, "cashFlowEur": double(y.cashFlow), "discountedCashFlowEur": double(y.discountedCashFlow),
                 "cumulativeEur": double(y.cumulative), "cumulativeDiscountedEur": double(y.cumulativeDiscounted)]
            },
        ]
    }

    // MARK: - Formatting

    /// Rounding of amounts for display.
    enum DecimalRounding {
        /// To the cent, halves away from zero.
        static func cents(_ value: Decimal) -> Decimal {
            var input = value, result = Decimal()
            NSDecimalRound(&result, &input, 2, .plain)
            return result
        }
    }

    /// The nearest `Double` to a decimal (for JSON and bar lengths only).
    static func double(_ value: Decimal) -> Double {
        Double(value.description) ?? NSDecimalNumber(decimal: value).doubleValue
    }

    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        let scale = pow(10, Double(decimals))
        return (value * scale).rounded() / scale
    }

    /// `120 000.00`: to the cent, thousands separated by spaces.
    static func money(_ value: Decimal) -> String {
        decimalText(DecimalRounding.cents(value), minimumFractionDigits: 2)
    }

    /// A decimal's full digits, at least `minimumFractionDigits` after the point, thousands
    /// separated by spaces: `0.1987`, `18 000.00`.
    static func decimalText(_ value: Decimal, minimumFractionDigits: Int) -> String {
        let parts = value.description.split(separator: ".", omittingEmptySubsequences: false)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.count < minimumFractionDigits { fraction += "0" }
        let whole = NumberText.grouped(String(parts[0]))
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    /// `12 345.6`.
    static func number(_ value: Double, decimals: Int) -> String { NumberText.fixed(value, decimals: decimals) }

    /// A fraction as a percentage with one decimal: 0.04 → `4.0`.
    static func percent(_ fraction: Double) -> String { number(fraction * 100, decimals: 1) }

    /// A Double without trailing zeros: 0.052, 0.281, 1.
    static func trimmed(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPadded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
