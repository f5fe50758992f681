import Foundation
@testable import Ledger

/// Declarations for tests, effective from the epoch unless said otherwise.
extension Declaration {
    static let sinceEpoch = Date(timeIntervalSince1970: 0)

    static func site(_ c: CabinetRecord, from: Date = sinceEpoch) -> Declaration {
        Declaration(cabinetID: c.id, effective: from, content: .site(c))
    }

    static func circuit(_ c: CircuitRecord, from: Date = sinceEpoch) -> Declaration {
        Declaration(cabinetID: c.cabinetID, effective: from, content: .circuit(c))
    }

    static func tariff(_ cabinet: String, _ currency: String, _ price: String, from: Date = sinceEpoch) -> Declaration {
        Declaration(cabinetID: cabinet, effective: from,
                    content: .tariff(TariffDeclaration(currency: currency, pricePerKilowattHour: Decimal(string: price)!)))
    }

    static func factor(_ cabinet: String, kg: Double, name: String = "France, average mix (ADEME)",
                       source: String = "ADEME, Base Empreinte", from: Date = sinceEpoch) -> Declaration {
        Declaration(cabinetID: cabinet, effective: from,
                    content: .emissionFactor(EmissionFactorDeclaration(id: "custom", name: name, kgPerKilowattHour: kg, source: source)))
    }
}

extension LedgerStore {
    /// Declares a cabinet's site, effective from the epoch.
    func declare(site: CabinetRecord) throws(LedgerError) {
        try declare([.site(site)])
    }
}
