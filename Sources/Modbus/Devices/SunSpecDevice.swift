import HAL
import Units

/// A SunSpec device on a Modbus line: its model chain is discovered on first use ("SunS" at
/// 40000, 0 or 50000) and kept; readings decode the first inverter (101-103) or meter
/// (201-204) model found.
public actor SunSpecDevice {
    public nonisolated let name: String
    public nonisolated let line: ModbusLine
    public nonisolated let unit: UInt8
    /// Where to look for the marker; the standard three addresses unless the board says.
    public nonisolated let bases: [Int]
    private var discovered: Discovery?

    /// What discovery found.
    public struct Discovery: Sendable, Hashable {
        /// Where "SunS" is.
        public var base: Int
        /// The model chain, in order.
        public var models: [SunSpec.ModelHeader]
        /// Model 1, when present.
        public var common: SunSpec.Common?
        public func first(in ids: ClosedRange<UInt16>) -> SunSpec.ModelHeader? { models.first { ids.contains($0.id) } }
    }

    public init(name: String, line: ModbusLine, unit: UInt8, bases: [Int] = SunSpec.baseAddresses) {
        self.name = name
        self.line = line
        self.unit = unit
        self.bases = bases
    }

    private var location: String { "\(line.endpoint.shortName) unit \(unit)" }

    /// Finds the marker and walks the model chain (cached after the first success).
    ///
    /// - Throws: ``HAL/HALError``: `.notFound` when no base holds "SunS", bus kinds otherwise.
    public func discover() async throws(HALError) -> Discovery {
        if let discovered { return discovered }
        var base: Int?
        var lastError: ModbusError?
        for b in bases {
            do {
                let r = try await line.readRegisters(unit: unit, address: b, count: 2)
                if r == SunSpec.marker { base = b; break }
            } catch {
                if case .exception = error.kind { lastError = error; continue }
                throw error.halError(device: name)
            }
        }
        guard let base else {
            let tried = bases.map(String.init).joined(separator: ", ")
            throw HALError(.notFound, device: name, location: location,
                           message: "no SunSpec marker \"SunS\" at \(tried)" + (lastError.map { " (last reply: \($0.kind))" } ?? ""))
        }
        var models: [SunSpec.ModelHeader] = []
        var at = base + 2
        while models.count < 64, at + 2 <= 65_536 {
            let h: [UInt16]
            do { h = try await line.readRegisters(unit: unit, address: at, count: 2) } catch { throw error.halError(device: name) }
            if h[0] == SunSpec.endModel || h[0] == 0 { break }
            let header = SunSpec.ModelHeader(id: h[0], address: at, length: Int(h[1]))
            models.append(header)
            at = header.next
        }
        var common: SunSpec.Common?
        if let m1 = models.first(where: { $0.id == 1 }) {
            let image = try await read(m1)
            common = SunSpec.Common.decode(image, header: m1)
        }
        let d = Discovery(base: base, models: models, common: common)
        discovered = d
        return d
    }

    private func read(_ header: SunSpec.ModelHeader) async throws(HALError) -> RegisterImage {
        do { return try await line.readImage(unit: unit, input: false, spans: [header.span]) } catch { throw error.halError(device: name) }
    }

    /// Reads the first inverter model.
    ///
    /// - Throws: ``HAL/HALError``; `.unsupported` when the chain has no model 101-103.
    public func readInverter() async throws(HALError) -> SunSpec.InverterReading {
        let d = try await discover()
        guard let h = d.first(in: SunSpec.inverterModels) else {
            throw HALError(.unsupported, device: name, location: location,
                           message: "no inverter model (101-103) in the chain \(d.models.map { String($0.id) }.joined(separator: ", "))")
        }
        guard let r = SunSpec.InverterReading.decode(try await read(h), header: h) else {
            throw HALError(.deviceFault, device: name, location: "\(location) register \(h.address)", message: "model \(h.id) is shorter than its points")
        }
        return r
    }

    /// Reads the first meter model.
    ///
    /// - Throws: ``HAL/HALError``; `.unsupported` when the chain has no model 201-204.
    public func readMeter() async throws(HALError) -> SunSpec.MeterModelReading {
        let d = try await discover()
        guard let h = d.first(in: SunSpec.meterModels) else {
            throw HALError(.unsupported, device: name, location: location,
                           message: "no meter model (201-204) in the chain \(d.models.map { String($0.id) }.joined(separator: ", "))")
        }
        guard let r = SunSpec.MeterModelReading.decode(try await read(h), header: h) else {
            throw HALError(.deviceFault, device: name, location: "\(location) register \(h.address)", message: "model \(h.id) is shorter than its points")
        }
        return r
    }
}

/// A SunSpec inverter as a HAL ``PVInverter``.
public struct SunSpecInverter: PVInverter {
    public let device: SunSpecDevice
    public var name: String { device.name }
    public init(device: SunSpecDevice) { self.device = device }

    public func readProducedEnergy() async throws(HALError) -> Energy {
        let r = try await device.readInverter()
        guard let e = r.energy else {
            throw HALError(.unsupported, device: name, location: "\(device.line.endpoint.shortName) unit \(device.unit)", message: "model \(r.model) does not implement WH")
        }
        return e
    }

    public func readPower() async throws(HALError) -> Watts {
        let r = try await device.readInverter()
        guard let p = r.power else {
            throw HALError(.unsupported, device: name, location: "\(device.line.endpoint.shortName) unit \(device.unit)", message: "model \(r.model) does not implement W")
        }
        return p
    }
}

/// A SunSpec meter as a HAL ``EnergyMeter``.
public struct SunSpecMeter: EnergyMeter {
    public let device: SunSpecDevice
    public var name: String { device.name }
    public init(device: SunSpecDevice) { self.device = device }

    public func readImportEnergy() async throws(HALError) -> Energy {
        let r = try await device.readMeter()
        guard let e = r.importEnergy else {
            throw HALError(.unsupported, device: name, location: "\(device.line.endpoint.shortName) unit \(device.unit)", message: "model \(r.model) does not implement TotWhImp")
        }
        return e
    }

    public func readPower() async throws(HALError) -> Watts {
        let r = try await device.readMeter()
        guard let p = r.power else {
            throw HALError(.unsupported, device: name, location: "\(device.line.endpoint.shortName) unit \(device.unit)", message: "model \(r.model) does not implement W")
        }
        return p
    }
}
