import HAL
import Units

/// A dimming gateway on a Modbus line (Modbus-to-DALI, Modbus-to-0-10 V). Its channels are HAL
/// ``Dimmer``s (``channel(_:name:)``); ``apply(_:)`` sets many channels in the fewest frames
/// (one function-16 frame per run of consecutive level registers), which is what the control
/// loop uses when a whole street changes level at once.
public actor ModbusDimmingGateway {
    public nonisolated let name: String
    public nonisolated let line: ModbusLine
    public nonisolated let unit: UInt8
    public nonisolated let map: DimmingGatewayMap
    private var levels: [Int: DimLevel] = [:]
    private var halted: Set<Int> = []

    public init(name: String, line: ModbusLine, unit: UInt8, map: DimmingGatewayMap) {
        self.name = name
        self.line = line
        self.unit = unit
        self.map = map
    }

    /// Sets the given channels' levels (and switches) in as few frames as the map allows.
    ///
    /// - Throws: ``HAL/HALError`` naming the first frame that failed; channels of frames that
    ///   went through keep their new level.
    public func apply(_ changes: [(channel: Int, level: DimLevel)]) async throws(HALError) {
        for c in changes where !(0..<map.channels).contains(c.channel) {
            throw HALError(.invalidArgument, device: name, location: "\(line.endpoint.shortName) unit \(unit)",
                           message: "channel \(c.channel) is outside 0...\(map.channels - 1)")
        }
        if let c = changes.first(where: { halted.contains($0.channel) }) {
            throw HALError(.halted, device: name, message: "channel \(c.channel) is halted")
        }
        let commands = map.commands(for: changes)
        do {
            for w in commands.registerWrites {
                try await line.writeRegisters(unit: unit, address: w.address, values: w.values)
            }
            for w in commands.coilWrites {
                try await line.writeCoils(unit: unit, address: w.address, values: w.values)
            }
        } catch {
            throw error.halError(device: name)
        }
        for c in changes { levels[c.channel] = c.level }
    }

    /// The level last commanded on `channel` (nil before the first command).
    public func commandedLevel(_ channel: Int) -> DimLevel? { levels[channel] }

    /// Reads a channel's level register back.
    public func readLevel(_ channel: Int) async throws(HALError) -> DimLevel {
        do {
            let r = try await line.readRegisters(unit: unit, address: map.levelRegister(channel), count: 1)
            return map.decode(r[0])
        } catch { throw error.halError(device: name) }
    }

    /// Reads every channel's status code (0 = healthy); nil when the map has no status.
    public func readStatus() async throws(HALError) -> [UInt16]? {
        guard let span = map.statusSpan else { return nil }
        do {
            return map.decodeStatus(try await line.readImage(unit: unit, input: false, spans: [span]))
        } catch { throw error.halError(device: name) }
    }

    func halt(channel: Int) { halted.insert(channel) }

    /// Channel `index` as a HAL dimmer named `name`.
    public nonisolated func channel(_ index: Int, name: String) -> GatewayChannel {
        GatewayChannel(name: name, gateway: self, index: index)
    }
}

/// One channel of a ``ModbusDimmingGateway`` as a HAL ``Dimmer``.
public struct GatewayChannel: Dimmer {
    public let name: String
    public let gateway: ModbusDimmingGateway
    public let index: Int

    public func set(level: DimLevel) async throws(HALError) {
        do { try await gateway.apply([(index, level)]) } catch { throw error.renamed(to: name) }
    }

    public var level: DimLevel {
        get async throws(HALError) {
            if let l = await gateway.commandedLevel(index) { return l }
            return try await gateway.readLevel(index)
        }
    }

    /// Halting a gateway channel stops commanding it: the gateway keeps its last level (a
    /// DALI ballast then follows its own system-failure level if the bus itself fails).
    public func halt() async throws(HALError) { await gateway.halt(channel: index) }
}
