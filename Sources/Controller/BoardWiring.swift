import BoardFiles
import Foundation
import GPIO
import HAL
import Modbus

/// One walk of a hardware board: its chips opened, a line created for each bus (nothing is
/// sent yet: lines open on first use), its gateways built, and every output, input, meter and
/// inverter resolved to its place — a line of an opened chip, or a bus's line with a unit and
/// an address — or to why it has none. Nothing is requested or driven.
///
/// ``HardwareSet/open(_:initialOutputs:lineOptions:now:)`` builds the drivers from it and
/// ``BoardProbe/run(_:lineOptions:)`` reads through it, so both see a board the same way.
struct BoardWiring: Sendable {
    /// Where a device is.
    enum Place: Sendable {
        /// A line of an opened chip, found by its offset or its name.
        case gpio(GPIOChip, offset: Int, Board.GPIOLine)
        /// A coil (`discrete: false`) or a discrete input of a unit on a bus.
        case bit(ModbusLine, unit: Int, address: Int, discrete: Bool, activeLow: Bool)
        /// A channel of a gateway.
        case gatewayChannel(Gateway, channel: Int)
        /// A unit on a bus: a meter or an inverter.
        case unit(ModbusLine, unit: Int)
        /// Nothing to reach: a simulated device, or an attachment this kind of device does
        /// not take.
        case simulated
    }

    /// Why a device has no place.
    enum Unresolved: Error {
        /// The chip of its line could not be opened (that failure is listed with the chip);
        /// `spec` is what the board asked to open.
        case chipNotOpened(spec: String, Board.GPIOLine)
        /// The opened chip has no such line (`.notFound`, naming the chip and the line).
        case noLine(HALError, chip: GPIOChip, Board.GPIOLine)
        /// A bus or gateway the board does not define (a board that did not come from the loader).
        case undefined
    }

    /// A board gateway, its device and its bus's line.
    struct Gateway: Sendable {
        var board: Board.Gateway
        var device: ModbusDimmingGateway
        var line: ModbusLine
    }

    /// A device of the board and its place.
    struct Resolved<Device: Sendable>: Sendable {
        var device: Device
        var place: Result<Place, Unresolved>
    }

    /// Every chip in file order, opened or with the failure that says why not.
    var chips: [(chip: Board.Chip, opened: Result<GPIOChip, HALError>)] = []
    /// Every bus in file order with its line.
    var buses: [(bus: Board.Bus, line: ModbusLine)] = []
    /// The gateways whose bus the board defines, in file order.
    var gateways: [Gateway] = []
    var outputs: [Resolved<Board.Output>] = []
    var inputs: [Resolved<Board.Input>] = []
    var meters: [Resolved<Board.Device>] = []
    var inverters: [Resolved<Board.Device>] = []

    /// The opened chips and the lines, by board id.
    var openChips: [String: GPIOChip] = [:]
    var lines: [String: ModbusLine] = [:]
    var gatewaysByID: [String: Gateway] = [:]

    /// What kind of device an attachment belongs to: each takes its own attachments.
    enum Role { case output, input, meterOrInverter }

    /// Walks `board`: chips, buses, gateways, then outputs, inputs, meters and inverters.
    static func walk(_ board: Board, lineOptions: (Board.Bus) -> ModbusLine.Options,
                     now: @escaping @Sendable () -> Date = { Date() }) async -> BoardWiring {
        var w = BoardWiring()
        for c in board.chips {
            do throws(HALError) {
                let chip = try GPIOChip(c.chip, device: c.id, now: now)
                w.chips.append((c, .success(chip)))
                w.openChips[c.id] = chip
            } catch {
                w.chips.append((c, .failure(error)))
            }
        }
        for b in board.buses {
            let line = ModbusLine(endpoint: HardwareSet.endpoint(b), options: lineOptions(b))
            w.buses.append((b, line))
            w.lines[b.id] = line
        }
        for g in board.gateways {
            guard let line = w.lines[g.bus] else { continue }
            let gateway = Gateway(board: g, device: ModbusDimmingGateway(name: g.id, line: line, unit: UInt8(g.unit), map: HardwareSet.map(g)),
                                  line: line)
            w.gateways.append(gateway)
            w.gatewaysByID[g.id] = gateway
        }
        for o in board.outputs { w.outputs.append(Resolved(device: o, place: await w.place(of: o.attachment, id: o.id, role: .output))) }
        for i in board.inputs { w.inputs.append(Resolved(device: i, place: await w.place(of: i.attachment, id: i.id, role: .input))) }
        for d in board.meters { w.meters.append(Resolved(device: d, place: await w.place(of: d.attachment, id: d.id, role: .meterOrInverter))) }
        for d in board.inverters { w.inverters.append(Resolved(device: d, place: await w.place(of: d.attachment, id: d.id, role: .meterOrInverter))) }
        return w
    }

    /// Where the device `id`, of `role`, attached to `attachment`, is.
    func place(of attachment: Board.Attachment, id: String, role: Role) async -> Result<Place, Unresolved> {
        switch (attachment, role) {
        case (.gpio(let g), .output), (.gpio(let g), .input):
            return await gpio(g, device: id)
        case (.coil(let bus, let unit, let address), .output), (.coil(let bus, let unit, let address), .input):
            return line(bus).map { .bit($0, unit: unit, address: address, discrete: false, activeLow: false) }
        case (.discreteInput(let bus, let unit, let address, let activeLow), .input):
            return line(bus).map { .bit($0, unit: unit, address: address, discrete: true, activeLow: activeLow) }
        case (.gatewayChannel(let gid, let channel), .output):
            guard let gateway = gatewaysByID[gid] else { return .failure(.undefined) }
            return .success(.gatewayChannel(gateway, channel: channel))
        case (.modbus(let bus, let unit), .meterOrInverter):
            return line(bus).map { .unit($0, unit: unit) }
        default:
            return .success(.simulated)
        }
    }

    func line(_ bus: String) -> Result<ModbusLine, Unresolved> {
        lines[bus].map { .success($0) } ?? .failure(.undefined)
    }

    /// A line of an opened chip, by offset or by name.
    func gpio(_ g: Board.GPIOLine, device: String) async -> Result<Place, Unresolved> {
        guard let chip = openChips[g.chip] else {
            return .failure(.chipNotOpened(spec: chips.first { $0.chip.id == g.chip }?.chip.chip ?? g.chip, g))
        }
        do throws(HALError) {
            return .success(.gpio(chip, offset: try await chip.offset(of: g.line, device: device), g))
        } catch {
            return .failure(.noLine(error, chip: chip, g))
        }
    }

    /// Releases the chips (and any line requested on them) and closes the Modbus lines.
    func shutdown() async {
        for chip in openChips.values { await chip.shutdown() }
        for line in lines.values { await line.close() }
    }
}
