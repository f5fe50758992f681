import Foundation
@testable import lanterne
import Ledger
import Testing

/// `lanterne roi`: the command's computation and formatting called directly (these pass whether
/// or not the command is registered), and whole-command runs of the built executable (these
/// need `RoiCommand` in `Lanterne.configuration.subcommands`).
///
/// Reference values: numpy-financial 1.0.0, tools/finance-reference/reference.py.
@Suite("lanterne roi")
struct RoiCommandTests {
    static let issue = ["--capex", "120000", "--annual-savings-kwh", "100000", "--price-eur-kwh", "0.18",
                        "--discount-rate", "0.04", "--years", "20"]

    /// The validation message of `arguments`, or nil when they parse and validate.
    static func usageError(_ arguments: [String]) -> String? {
        do {
            _ = try RoiCommand.parse(arguments)
            return nil
        } catch {
            return RoiCommand.message(for: error)
        }
    }

    // MARK: - Direct

    @Test("The issue's example, computed by the command's function: NPV, IRR, paybacks, SIR, CO2e")
    func issueExampleDirect() throws {
        let command = try RoiCommand.parse(Self.issue)
        let factor = try #require(RoiCommand.emissionFactor(command.emissionFactor ?? "fr-ademe"))
        let report = try RoiCommand.report(for: command.figuresCase(), factor: factor, basis: "from figures")
        #expect(report.result.npv == Decimal(string: "124625.87"))
        #expect(abs((report.result.irr ?? .nan) - 0.13886639866120265) < 1e-9)
        #expect(abs((report.result.discountedPaybackYears ?? .nan) - 7.909567409236652) < 1e-9)
        #expect(abs((report.result.simplePaybackYears ?? .nan) - 20.0 / 3) < 1e-12)
        #expect(abs((report.result.sir ?? .nan) - 2.0385489517451525) < 1e-9)
        #expect(factor.id == "fr-ademe")
        #expect(abs(report.avoidedKgCO2ePerYear - 5_200) < 1e-9)

        let text = RoiCommand.text(report)
        for expected in ["120 000.00 EUR", "100 000.0 kWh", "18 000.00 EUR", "6.7 years", "7.9 years",
                         "124 625.87 EUR", "13.9 %", "2.04", "5.2 t/yr", "ADEME", "source:"] {
            #expect(text.contains(expected), "missing '\(expected)' in:\n\(text)")
        }
        // One chart row per year, 0 to 20; the last cumulative discounted value is the NPV.
        let rows = text.split(separator: "\n").filter { $0.contains("│") }
        #expect(rows.count == 21)
        #expect(rows.last?.contains("124 625.87") == true)
        #expect(rows.first?.contains("-120 000.00") == true)

        let object = RoiCommand.jsonObject(report)
        #expect(object["npvEur"] as? Double == 124_625.87)
        #expect(object["annualAvoidedCostEur"] as? Double == 18_000)
        #expect(object["simplePaybackYears"] as? Double == 6.667)
        #expect(object["discountedPaybackYears"] as? Double == 7.91)
        #expect(object["irr"] as? Double == 0.138866)
        #expect(object["sir"] as? Double == 2.0385)
        #expect(object["avoidedCO2eKgPerYear"] as? Double == 5_200)
        let factorObject = try #require(object["emissionFactor"] as? [String: Any])
        #expect(factorObject["kgPerKWh"] as? Double == 0.052)
        #expect((factorObject["source"] as? String)?.contains("ADEME") == true)
        let flows = try #require(object["cashFlows"] as? [[String: Any]])
        #expect(flows.count == 21)
        #expect(flows.last?["cumulativeDiscountedEur"] as? Double == 124_625.87)
        // Serialisable with sorted keys.
        #expect(try Console.json(object).contains("\"npvEur\" : 124625.87"))
    }

    @Test("Escalation, maintenance and the EEA factor reach the computation")
    func options() throws {
        let command = try RoiCommand.parse(Self.issue + ["--price-escalation", "0.02", "--annual-maintenance-savings-eur", "1500",
                                                          "--emission-factor", "eu-eea"])
        let factor = try #require(RoiCommand.emissionFactor(command.emissionFactor ?? "fr-ademe"))
        let report = try RoiCommand.report(for: command.figuresCase(), factor: factor, basis: "from figures")
        #expect(abs(RoiCommand.double(report.result.npv) - 190035.18899788545) <= 0.005)
        #expect(abs((report.result.irr ?? .nan) - 0.1711035771023759) < 1e-9)
        #expect(abs(report.avoidedKgCO2ePerYear - 28_100) < 1e-6)
        #expect(RoiCommand.text(report).contains("escalating 2.0 %/yr from year 2"))
        // A number is a custom factor.
        #expect(RoiCommand.emissionFactor("0.1")?.kgCO2ePerKWh == 0.1)
        #expect(RoiCommand.emissionFactor("-0.1") == nil)
        #expect(RoiCommand.emissionFactor("coal") == nil)
    }

    @Test("Never repaying: dashes, not numbers, for what does not exist")
    func neverRepays() throws {
        let command = try RoiCommand.parse(["--capex", "120000", "--annual-savings-kwh", "0", "--price-eur-kwh", "0.18",
                                            "--discount-rate", "0.04", "--years", "20"])
        let report = try RoiCommand.report(for: command.figuresCase(), factor: .franceADEME, basis: "from figures")
        let text = RoiCommand.text(report)
        #expect(text.contains("not within 20 years"))
        #expect(text.contains("no rate makes the NPV 0"))
        let object = RoiCommand.jsonObject(report)
        #expect(object["irr"] is NSNull && object["discountedPaybackYears"] is NSNull && object["simplePaybackYears"] is NSNull)
    }

    @Test("Usage errors are one line naming the option")
    func validation() {
        func check(_ replace: (String, String), _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
            var arguments = Self.issue
            if let i = arguments.firstIndex(of: replace.0) { arguments[i + 1] = replace.1 } else { arguments += [replace.0, replace.1] }
            let message = Self.usageError(arguments)
            #expect(message?.contains(expected) == true, "\(String(describing: message))", sourceLocation: sourceLocation)
            #expect(message?.contains("\n") == false, sourceLocation: sourceLocation)
        }
        check(("--capex", "-5"), "--capex must be an amount of 0 or more in EUR")
        check(("--capex", "12e4"), "--capex must be an amount")
        check(("--price-eur-kwh", "0,18"), "--price-eur-kwh must be a price of 0 or more")
        check(("--discount-rate", "-1"), "--discount-rate must be a fraction above -1")
        check(("--discount-rate", "4"), "(0.04 for 4 %), found 4.0")
        check(("--discount-rate", "nan"), "--discount-rate")
        check(("--years", "0"), "--years must be 1 to 100, found 0")
        check(("--annual-savings-kwh", "inf"), "--annual-savings-kwh must be a finite number")
        check(("--annual-maintenance-savings-eur", "lots"), "--annual-maintenance-savings-eur must be an amount")
        check(("--price-escalation", "-2"), "--price-escalation must be a fraction above -1")
        check(("--emission-factor", "coal"), "--emission-factor must be fr-ademe, eu-eea or a number")
        #expect(Self.usageError(Self.issue.filter { $0 != "--annual-savings-kwh" && $0 != "100000" })?
                    .contains("missing --annual-savings-kwh") == true)
        #expect(Self.usageError(Self.issue) == nil)
        #expect(Self.usageError(Self.issue + ["--annual-maintenance-savings-eur", "-250.50"]) == nil)
    }

    @Test("Amounts: plain decimals only")
    func amounts() {
        #expect(RoiCommand.amount("120000") == 120_000)
        #expect(RoiCommand.amount("0.18") == Decimal(string: "0.18"))
        #expect(RoiCommand.amount("-1500.5") == Decimal(string: "-1500.5"))
        #expect(RoiCommand.amount(".5") == Decimal(string: "0.5"))
        for bad in ["", "-", ".", "1e5", "1,5", "12abc", "1.2.3", " 1", "0x10", "١٢"] {
            #expect(RoiCommand.amount(bad) == nil, "'\(bad)'")
        }
        #expect(RoiCommand.money(Decimal(string: "-1234567.005")!) == "-1 234 567.01")
        #expect(RoiCommand.decimalText(Decimal(string: "0.1987")!, minimumFractionDigits: 2) == "0.1987")
    }

    // MARK: - Whole command (needs the command registered)

    @Test("lanterne roi: the issue's example as a table")
    func commandText() throws {
        let result = try CLIRunner.run(["roi"] + Self.issue)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("124 625.87 EUR"))
        #expect(result.stdout.contains("13.9 %"))
        #expect(result.stderr.isEmpty)
    }

    @Test("lanterne roi --json: one object with sorted keys")
    func commandJSON() throws {
        let result = try CLIRunner.run(["roi"] + Self.issue + ["--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["npvEur"] as? Double == 124_625.87)
        #expect(object["irr"] as? Double == 0.138866)
        for key in ["simplePaybackYears", "discountedPaybackYears", "sir", "annualAvoidedCostEur",
                    "avoidedCO2eKgPerYear", "emissionFactor", "cashFlows"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let keys = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  \"") }
            .compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
        // Foundation's .sortedKeys orders case-insensitively ("discountedPaybackYears" before
        // "discountRate"): what matters is a stable order, the same on every run.
        #expect(keys == keys.sorted { $0.lowercased() < $1.lowercased() })
        #expect(try CLIRunner.run(["roi"] + Self.issue + ["--json"]).stdout == result.stdout)
    }

    @Test("lanterne roi: a usage error is one line on standard error, exit status 2")
    func commandUsageError() throws {
        var arguments = ["roi"] + Self.issue
        arguments[arguments.firstIndex(of: "--years")! + 1] = "0"
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "error: --years must be 1 to 100, found 0 (see 'lanterne --help')\n")
    }
}
