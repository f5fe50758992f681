import Foundation
import Units

extension DeclarationContent {
    /// One line saying what is declared, as `lanterne ledger declarations` lists it and the
    /// report's notes name it.
    public var summary: String {
        switch self {
        case .site(let s): return "site \(s.name), \(s.latitude), \(s.longitude), \(s.timeZone)"
        case .circuit(let c):
            return "circuit \(c.circuitID) \(c.name): \(c.luminaires) luminaires, \(NumberText.fixed(c.ratedWatts, decimals: 1)) W rated, "
                + "\(NumberText.fixed(c.legacyWatts, decimals: 1)) W legacy" + (c.areaSquareMetres.map { ", \(NumberText.fixed($0, decimals: 0)) m²" } ?? "")
        case .tariff(let t): return "tariff \(t.pricePerKilowattHour) \(t.currency)/kWh"
        case .investment(let i):
            return "investment \(i.capex) \(i.currency), discount rate \(i.discountRate), \(i.years) years, maintenance savings \(i.annualMaintenanceSavings) \(i.currency)/year, price escalation \(i.priceEscalation)"
        case .emissionFactor(let f): return "emission factor \(f.kgPerKilowattHour) kg CO2e/kWh, \(f.name) (\(f.source))"
        case .signingKey(let k):
            return "signing key \(KeyFingerprint(hex: k.publicKey).text)" + (k.previousKey.map { ", replacing \(KeyFingerprint(hex: $0).text)" } ?? "")
        }
    }
}
