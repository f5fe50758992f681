import HAL
import Units

/// An Eastron SDM120 or SDM630 energy meter on a Modbus line (HAL ``EnergyMeter``).
public struct EastronMeter: EnergyMeter {
    public let name: String
    public let line: ModbusLine
    public let unit: UInt8
    public let model: EastronModel

    public init(name: String, line: ModbusLine, unit: UInt8, model: EastronModel) {
        self.name = name
        self.line = line
        self.unit = unit
        self.model = model
    }

    /// Reads every register of the map (three or four coalesced frames) and decodes them.
    ///
    /// - Throws: ``HAL/HALError`` naming the line, unit and register that failed.
    public func read() async throws(HALError) -> MeterReading {
        let image: RegisterImage
        do { image = try await line.readImage(unit: unit, input: true, spans: model.spans) } catch { throw error.halError(device: name) }
        guard let reading = model.decode(image) else {
            throw HALError(.deviceFault, device: name, location: "\(line.endpoint.shortName) unit \(unit)", message: "incomplete reply from the \(model.rawValue) map")
        }
        return reading
    }

    public func readImportEnergy() async throws(HALError) -> Energy {
        try await readEnergies(at: EastronModel.Register.importEnergy, count: 1)[0]
    }

    /// The SDM630's three phase import registers in one frame; an SDM120's one phase is its
    /// import register.
    public func readPhaseImportEnergies() async throws(HALError) -> [Energy] {
        model == .sdm120 ? [try await readImportEnergy()] : try await readEnergies(at: EastronModel.Register.importEnergyL1, count: 3)
    }

    /// Voltages and powers of each phase: registers 0x0000 (L1 voltage) to 0x0011 (L3 power)
    /// in one frame (an SDM120 has L1 only: 0x0000 to 0x000D).
    public func readPhases() async throws(HALError) -> [PhaseReading] {
        typealias R = EastronModel.Register
        let n = model.phases
        let count = R.powerL1 + 2 * n - R.voltageL1
        let r: [UInt16]
        do { r = try await line.readRegisters(unit: unit, input: true, address: R.voltageL1, count: count) } catch { throw error.halError(device: name) }
        func value(_ address: Int) throws(HALError) -> Double {
            let k = address - R.voltageL1
            guard case .float(let v) = RegisterCodec.decode(r[k..<(k + 2)], as: .f32), v.isFinite else {
                throw HALError(.deviceFault, device: name, location: "\(line.endpoint.shortName) unit \(unit) register \(address)",
                               message: "register holds no valid number")
            }
            return Double(v)
        }
        return try (0..<n).map { (p: Int) throws(HALError) -> PhaseReading in
            PhaseReading(volts: try value(R.voltageL1 + 2 * p), watts: try value(R.powerL1 + 2 * p))
        }
    }

    /// `count` consecutive kWh registers (float32) from `address`, each a finite number ≥ 0.
    private func readEnergies(at address: Int, count: Int) async throws(HALError) -> [Energy] {
        let r: [UInt16]
        do {
            r = try await line.readRegisters(unit: unit, input: true, address: address, count: 2 * count)
        } catch { throw error.halError(device: name) }
        return try (0..<count).map { (k: Int) throws(HALError) -> Energy in
            guard case .float(let kWh) = RegisterCodec.decode(r[(2 * k)..<(2 * k + 2)], as: .f32), kWh.isFinite, kWh >= 0 else {
                throw HALError(.deviceFault, device: name, location: "\(line.endpoint.shortName) unit \(unit) register \(address + 2 * k)",
                               message: "energy register holds no valid number")
            }
            return MeterReading.energy(kilowattHours: Double(kWh))
        }
    }

    public func readPower() async throws(HALError) -> Watts {
        let address = model == .sdm120 ? EastronModel.Register.powerL1 : EastronModel.Register.totalPower
        let r: [UInt16]
        do { r = try await line.readRegisters(unit: unit, input: true, address: address, count: 2) } catch { throw error.halError(device: name) }
        return Watts(RegisterCodec.decode(r[...], as: .f32).doubleValue)
    }
}
