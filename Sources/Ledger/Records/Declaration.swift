import Foundation

/// A fact the ledger's derived figures depend on — what a cabinet is, what its circuits are,
/// what energy costs, how the investment is judged, which emission factor applies, which key
/// signs — stated from an instant on (SQL table `declaration`, in the hash chain).
///
/// Declarations are never updated in place: a change (a tariff from 1 August, a circuit
/// re-lamped) is a new declaration with the instant it takes effect. For an interval starting
/// at `t`, the declaration in force is the one of the same cabinet, kind and subject with the
/// latest `effective` at or before `t` (the later in the chain when two share an instant).
/// Once the ledger has a signing key, every declaration is signed by the key in force
/// (docs/LEDGER.md), so one who can only write the file cannot append a declaration that
/// changes past figures.
public struct Declaration: Sendable, Hashable {
    /// The cabinet it is about; empty for the ledger's signing key.
    public var cabinetID: String
    /// When it takes effect (UTC; whole seconds in the ledger).
    public var effective: Date
    public var content: DeclarationContent

    public init(cabinetID: String, effective: Date, content: DeclarationContent) {
        self.cabinetID = cabinetID
        self.effective = effective
        self.content = content
    }
}

/// What a declaration states.
public enum DeclarationContent: Sendable, Hashable {
    /// The cabinet's name, place and time zone (its id is the declaration's cabinet).
    case site(CabinetRecord)
    /// One circuit: luminaires, rated and legacy watts, lit area.
    case circuit(CircuitRecord)
    /// The price of energy.
    case tariff(TariffDeclaration)
    /// The figures the return on investment is computed with.
    case investment(InvestmentDeclaration)
    /// The emission factor avoided CO2e is computed with.
    case emissionFactor(EmissionFactorDeclaration)
    /// The ledger's Ed25519 signing key (first key, or a rotation signed by the previous one).
    case signingKey(SigningKeyDeclaration)

    /// The `kind` column: `site`, `circuit`, `tariff`, `investment`, `emission-factor`,
    /// `signing-key`.
    public var kind: String {
        switch self {
        case .site: "site"
        case .circuit: "circuit"
        case .tariff: "tariff"
        case .investment: "investment"
        case .emissionFactor: "emission-factor"
        case .signingKey: "signing-key"
        }
    }

    /// The `subject` column: the circuit id for a circuit, empty otherwise.
    public var subject: String {
        if case .circuit(let c) = self { return c.circuitID }
        return ""
    }
}

/// The price of energy at a cabinet.
public struct TariffDeclaration: Sendable, Hashable {
    /// ISO 4217 code (`EUR`).
    public var currency: String
    /// Price of a kilowatt-hour in `currency`, a decimal (never a binary float).
    public var pricePerKilowattHour: Decimal
    public init(currency: String, pricePerKilowattHour: Decimal) {
        self.currency = currency
        self.pricePerKilowattHour = pricePerKilowattHour
    }
}

/// The investment case of a cabinet's lighting programme (docs/SAVINGS.md).
public struct InvestmentDeclaration: Sendable, Hashable {
    /// Capital expenditure, in `currency`.
    public var capex: Decimal
    public var currency: String
    /// Discount rate per year, a fraction (0.04 = 4 %).
    public var discountRate: Double
    /// Years of savings counted.
    public var years: Int
    /// Maintenance costs avoided per year, in `currency`.
    public var annualMaintenanceSavings: Decimal
    /// Energy price growth per year, a fraction.
    public var priceEscalation: Double
    public init(capex: Decimal, currency: String, discountRate: Double, years: Int, annualMaintenanceSavings: Decimal,
                priceEscalation: Double) {
        self.capex = capex
        self.currency = currency
        self.discountRate = discountRate
        self.years = years
        self.annualMaintenanceSavings = annualMaintenanceSavings
        self.priceEscalation = priceEscalation
    }
}

/// The emission factor of a cabinet's electricity.
public struct EmissionFactorDeclaration: Sendable, Hashable {
    /// `fr-ademe`, `eu-eea` or `custom`.
    public var id: String
    public var name: String
    /// kg CO2e per kWh, 0 or more.
    public var kgPerKilowattHour: Double
    public var source: String
    public init(id: String, name: String, kgPerKilowattHour: Double, source: String) {
        self.id = id
        self.name = name
        self.kgPerKilowattHour = kgPerKilowattHour
        self.source = source
    }
}

/// The ledger's signing key.
public struct SigningKeyDeclaration: Sendable, Hashable {
    /// The Ed25519 public key, 64 lowercase hex digits.
    public var publicKey: String
    /// The key it replaces, nil for the ledger's first key. A rotation is signed by this key.
    public var previousKey: String?
    public init(publicKey: String, previousKey: String?) {
        self.publicKey = publicKey
        self.previousKey = previousKey
    }
}

// MARK: - The body column

extension DeclarationContent {
    /// The `body` column: a JSON object with sorted keys; decimals as strings.
    ///
    /// The hash chain and the signatures cover the stored bytes, so readers parse the body
    /// and never re-encode it.
    func body() -> String {
        var o: [String: Any] = [:]
        switch self {
        case .site(let s):
            o = ["name": s.name, "latitude": s.latitude, "longitude": s.longitude, "timeZone": s.timeZone]
        case .circuit(let c):
            o = ["name": c.name, "luminaires": c.luminaires, "ratedWatts": c.ratedWatts, "legacyWatts": c.legacyWatts]
            if let a = c.areaSquareMetres { o["areaSquareMetres"] = a }
        case .tariff(let t):
            o = ["currency": t.currency, "pricePerKWh": "\(t.pricePerKilowattHour)"]
        case .investment(let i):
            o = ["capex": "\(i.capex)", "currency": i.currency, "discountRate": i.discountRate, "years": i.years,
                 "annualMaintenanceSavings": "\(i.annualMaintenanceSavings)", "priceEscalation": i.priceEscalation]
        case .emissionFactor(let f):
            o = ["id": f.id, "name": f.name, "kgPerKWh": f.kgPerKilowattHour, "source": f.source]
        case .signingKey(let k):
            o = ["publicKey": k.publicKey]
            if let p = k.previousKey { o["previousKey"] = p }
        }
        // Only strings and finite numbers: serialisation cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a stored declaration back; nil (with the reason) when the body does not hold what
    /// its kind needs.
    static func decode(cabinetID: String, kind: String, subject: String, body: String) -> Result<DeclarationContent, DeclarationBodyError> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            return .failure(DeclarationBodyError("the body is not a JSON object"))
        }
        func text(_ k: String) throws(DeclarationBodyError) -> String {
            guard let v = object[k] as? String else { throw DeclarationBodyError("\"\(k)\" is missing or not text") }
            return v
        }
        func number(_ k: String) throws(DeclarationBodyError) -> Double {
            guard let v = object[k] as? NSNumber, v.doubleValue.isFinite else {
                throw DeclarationBodyError("\"\(k)\" is missing or not a number")
            }
            return v.doubleValue
        }
        func decimal(_ k: String) throws(DeclarationBodyError) -> Decimal {
            guard let v = Decimal(string: try text(k), locale: Locale(identifier: "en_US_POSIX")) else {
                throw DeclarationBodyError("\"\(k)\" is not a decimal number")
            }
            return v
        }
        do throws(DeclarationBodyError) {
            switch kind {
            case "site":
                return .success(.site(CabinetRecord(id: cabinetID, name: try text("name"), latitude: try number("latitude"),
                                                    longitude: try number("longitude"), timeZone: try text("timeZone"))))
            case "circuit":
                let area = object["areaSquareMetres"] == nil ? nil : try number("areaSquareMetres")
                return .success(.circuit(CircuitRecord(cabinetID: cabinetID, circuitID: subject, name: try text("name"),
                                                       luminaires: Int(try number("luminaires")), ratedWatts: try number("ratedWatts"),
                                                       legacyWatts: try number("legacyWatts"), areaSquareMetres: area)))
            case "tariff":
                return .success(.tariff(TariffDeclaration(currency: try text("currency"), pricePerKilowattHour: try decimal("pricePerKWh"))))
            case "investment":
                return .success(.investment(InvestmentDeclaration(
                    capex: try decimal("capex"), currency: try text("currency"), discountRate: try number("discountRate"),
                    years: Int(try number("years")), annualMaintenanceSavings: try decimal("annualMaintenanceSavings"),
                    priceEscalation: try number("priceEscalation"))))
            case "emission-factor":
                return .success(.emissionFactor(EmissionFactorDeclaration(id: try text("id"), name: try text("name"),
                                                                          kgPerKilowattHour: try number("kgPerKWh"), source: try text("source"))))
            case "signing-key":
                let previous = object["previousKey"] == nil ? nil : try text("previousKey")
                return .success(.signingKey(SigningKeyDeclaration(publicKey: try text("publicKey"), previousKey: previous)))
            default:
                throw DeclarationBodyError("unknown kind \"\(kind)\"")
            }
        } catch {
            return .failure(error)
        }
    }
}

/// Why a stored declaration's body cannot be read.
struct DeclarationBodyError: Error, CustomStringConvertible, Sendable {
    var description: String
    init(_ description: String) { self.description = description }
}
