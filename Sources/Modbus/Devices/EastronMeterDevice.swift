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
        let r: [UInt16]
        do {
            r = try await line.readRegisters(unit: unit, input: true, address: EastronModel.Register.importEnergy, count: 2)
        } catch { throw error.halError(device: name) }
        guard case .float(let kWh) = RegisterCodec.decode(r[...], as: .f32), kWh.isFinite, kWh >= 0 else {
            throw HALError(.deviceFault, device: name, location: "\(line.endpoint.shortName) unit \(unit) register \(EastronModel.Register.importEnergy)",
                           message: "import energy register holds no valid number")
        }
        return MeterReading.energy(kilowattHours: Double(kWh))
    }

    public func readPower() async throws(HALError) -> Watts {
        let address = model == .sdm120 ? EastronModel.Register.powerL1 : EastronModel.Register.totalPower
        let r: [UInt16]
        do { r = try await line.readRegisters(unit: unit, input: true, address: address, count: 2) } catch { throw error.halError(device: name) }
        return Watts(RegisterCodec.decode(r[...], as: .f32).doubleValue)
    }
}
