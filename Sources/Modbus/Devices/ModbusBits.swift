import HAL

/// A relay channel of a Modbus I/O module: one coil (function 5 to write, 1 to read back).
public actor ModbusCoilRelay: RelayOutput {
    public nonisolated let name: String
    public nonisolated let line: ModbusLine
    public nonisolated let unit: UInt8
    public nonisolated let coil: Int
    private var halted = false
    private var last: Bool?

    public init(name: String, line: ModbusLine, unit: UInt8, coil: Int) {
        self.name = name
        self.line = line
        self.unit = unit
        self.coil = coil
    }

    public func set(on: Bool) async throws(HALError) {
        if halted { throw HALError(.halted, device: name, message: "relay halted") }
        do { try await line.writeCoils(unit: unit, address: coil, values: [on]) } catch { throw error.halError(device: name) }
        last = on
    }

    public var state: Bool {
        get async throws(HALError) {
            do { return try await line.readBits(unit: unit, address: coil, count: 1)[0] } catch { throw error.halError(device: name) }
        }
    }

    /// Releases the coil (writes 0) and refuses further commands.
    public func halt() async throws(HALError) {
        if halted { return }
        halted = true
        do { try await line.writeCoils(unit: unit, address: coil, values: [false]) } catch { throw error.halError(device: name) }
    }
}

/// A binary input of a Modbus I/O module: a discrete input (function 2) or a coil (1).
public struct ModbusBitInput: DigitalInput {
    public let name: String
    public let line: ModbusLine
    public let unit: UInt8
    public let address: Int
    /// True for a discrete input (function 2), false for a coil (function 1).
    public let discrete: Bool
    /// Inverts the reading (a normally-closed contact).
    public let activeLow: Bool

    public init(name: String, line: ModbusLine, unit: UInt8, address: Int, discrete: Bool = true, activeLow: Bool = false) {
        self.name = name
        self.line = line
        self.unit = unit
        self.address = address
        self.discrete = discrete
        self.activeLow = activeLow
    }

    public func read() async throws(HALError) -> Bool {
        do { return try await line.readBits(unit: unit, discrete: discrete, address: address, count: 1)[0] != activeLow } catch {
            throw error.halError(device: name)
        }
    }
}
