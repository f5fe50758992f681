import ArgumentParser
import BoardFiles
import Foundation
import HAL
import Modbus

/// `lanterne modbus read|write`: diagnostics on a Modbus line, without a board file.
struct ModbusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modbus",
        abstract: "Read and write Modbus registers for diagnostics.",
        subcommands: [ModbusRead.self, ModbusWrite.self])
}

/// Where to talk and to whom: shared by read and write.
struct ModbusTarget: ParsableArguments {
    @Option(name: .customLong("tcp"), help: ArgumentHelp("Modbus TCP server.", valueName: "host:port"))
    var tcp: String?

    @Option(name: .customLong("rtu"), help: ArgumentHelp("Serial port for Modbus RTU.", valueName: "device"))
    var rtu: String?

    @Option(name: .customLong("baud"), help: "RTU baud rate.")
    var baud = 9600

    @Option(name: .customLong("parity"), help: "RTU parity: N, E or O.")
    var parity = "N"

    @Option(name: .customLong("stop-bits"), help: "RTU stop bits: 1 or 2.")
    var stopBits = 1

    @Flag(name: .customLong("rs485"), help: "Put the serial port in RS-485 mode (TIOCSRS485).")
    var rs485 = false

    @Option(name: .customLong("unit"), help: "Unit (slave) id, 0-255.")
    var unit = 1

    @Option(name: .customLong("timeout"), help: ArgumentHelp("Reply timeout, in milliseconds or seconds with s.", valueName: Timeout.valueName))
    var timeout = Timeout(milliseconds: 1000)

    @Option(name: .customLong("retries"), help: "Extra attempts after a timeout or a damaged reply.")
    var retries = 0

    @Option(name: .customLong("type"), help: "Value type: u16, s16, u32, s32 or f32.")
    var type = "u16"

    @Option(name: .customLong("word-order"), help: "Word order of 32-bit values: big (high word first) or little.")
    var wordOrder = "big"

    func validate() throws {
        switch (tcp, rtu) {
        case (nil, nil): throw ValidationError("give --tcp HOST:PORT or --rtu DEVICE")
        case (_?, _?): throw ValidationError("give either --tcp or --rtu, not both")
        default: break
        }
        if let tcp, BoardLoader.hostPort(tcp) == nil { throw ValidationError("--tcp must be HOST:PORT, found '\(tcp)'") }
        if ModbusEndpoint.SerialPort.Parity(rawValue: parity.uppercased()) == nil { throw ValidationError("--parity must be N, E or O, found '\(parity)'") }
        if ![1, 2].contains(stopBits) { throw ValidationError("--stop-bits must be 1 or 2") }
        if !(0...255).contains(unit) { throw ValidationError("--unit must be 0 to 255, found \(unit)") }
        if !(0...10).contains(retries) { throw ValidationError("--retries must be 0 to 10") }
        if RegisterType(rawValue: type) == nil { throw ValidationError("--type must be one of u16, s16, u32, s32, f32, found '\(type)'") }
        if WordOrder(rawValue: wordOrder) == nil { throw ValidationError("--word-order must be big or little, found '\(wordOrder)'") }
    }

    /// After `validate()`, which checked it.
    var registerType: RegisterType { RegisterType(rawValue: type) ?? .u16 }
    var order: WordOrder { WordOrder(rawValue: wordOrder) ?? .big }

    func line() -> ModbusLine {
        let endpoint: ModbusEndpoint
        if let tcp, let (host, port) = BoardLoader.hostPort(tcp) {
            endpoint = .tcp(host: host, port: port)
        } else {
            endpoint = .rtu(.init(device: rtu ?? "", baud: baud, parity: .init(rawValue: parity.uppercased()) ?? .none,
                                  stopBits: stopBits, rs485: rs485))
        }
        return ModbusLine(endpoint: endpoint, options: .init(responseTimeout: timeout.duration, retries: retries))
    }
}

/// `lanterne modbus read ...`
struct ModbusRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read holding (function 3) or input (function 4) registers, or coils/discrete inputs (1/2).",
        discussion: """
            Addresses are 0-based, as on the wire (a document's 40001 or 30001 is address 0). \
            --count is the number of values: a 32-bit type reads two registers per value. \
            Example: lanterne modbus read --tcp 192.168.1.20:502 --unit 1 --function 4 \
            --address 72 --count 1 --type f32
            """)

    @OptionGroup var target: ModbusTarget

    @Option(name: .customLong("function"), help: "3 holding registers, 4 input registers, 1 coils, 2 discrete inputs.")
    var function = 3

    @Option(name: .customLong("address"), help: "First address (0-based).")
    var address: Int

    @Option(name: .customLong("count"), help: "Number of values.")
    var count = 1

    @Flag(name: .customLong("json"), help: "Print JSON.")
    var json = false

    func validate() throws {
        if ![1, 2, 3, 4].contains(function) { throw ValidationError("--function must be 3 or 4 (registers) or 1 or 2 (bits), found \(function)") }
        if !(0...65_535).contains(address) { throw ValidationError("--address must be 0 to 65535") }
        let width = function <= 2 ? 1 : target.registerType.width
        if count < 1 || address + count * width > 65_536 { throw ValidationError("--count must be at least 1 and stay below address 65536") }
    }

    func run() async throws {
        let line = target.line()
        let unit = UInt8(target.unit)
        var rows: [[String: Any]] = []
        var text: [String] = []
        do {
            if function <= 2 {
                let bits = try await line.readBits(unit: unit, discrete: function == 2, address: address, count: count)
                for (i, b) in bits.enumerated() {
                    rows.append(["address": address + i, "value": b ? 1 : 0])
                    text.append("\(address + i)\t\(b ? 1 : 0)")
                }
            } else {
                let width = target.registerType.width
                let regs = try await line.readRegisters(unit: unit, input: function == 4, address: address, count: count * width)
                for i in 0..<count {
                    let slice = regs[(i * width)..<((i + 1) * width)]
                    let value = RegisterCodec.decode(slice, as: target.registerType, order: target.order)
                    let hex = slice.map { String(format: "0x%04X", $0) }.joined(separator: " ")
                    rows.append(["address": address + i * width, "value": "\(value)", "registers": Array(slice).map(Int.init)])
                    text.append("\(address + i * width)\t\(value)\t\(hex)")
                }
            }
        } catch {
            await line.close()
            Console.error(error.description)
            throw ExitCode(1)
        }
        await line.close()
        if json {
            print(try Console.json(["unit": target.unit, "function": function, "type": target.type, "values": rows]))
        } else {
            for t in text { print(t) }
        }
    }
}

/// `lanterne modbus write ...`
struct ModbusWrite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Write holding registers (function 6 or 16) or coils (5 or 15).",
        discussion: """
            Values are written from --address on, consecutive values in one frame. \
            Example: lanterne modbus write --rtu /dev/ttyUSB0 --baud 9600 --parity E --unit 2 \
            --address 0 254 254 127
            """)

    @OptionGroup var target: ModbusTarget

    @Option(name: .customLong("address"), help: "First address (0-based).")
    var address: Int

    @Flag(name: .customLong("coils"), help: "Write coils (values 0/1, on/off) instead of registers.")
    var coils = false

    @Argument(help: ArgumentHelp("Values to write, in the chosen --type.", valueName: "value"))
    var values: [String]

    func validate() throws {
        if values.isEmpty { throw ValidationError("give at least one value") }
        if !(0...65_535).contains(address) { throw ValidationError("--address must be 0 to 65535") }
        if coils { _ = try bits() } else { _ = try registers() }
    }

    func bits() throws -> [Bool] {
        try values.map { v in
            switch v.lowercased() {
            case "1", "on", "true": return true
            case "0", "off", "false": return false
            default: throw ValidationError("coil values are 0/1 or on/off, found '\(v)'")
            }
        }
    }

    func registers() throws -> [UInt16] {
        try values.flatMap { v -> [UInt16] in
            guard let d = Double(v), let regs = RegisterCodec.encode(d, as: target.registerType, order: target.order) else {
                throw ValidationError("'\(v)' is not a \(target.type) value")
            }
            return regs
        }
    }

    func run() async throws {
        let line = target.line()
        do {
            if coils {
                let b = try bits()
                try await line.writeCoils(unit: UInt8(target.unit), address: address, values: b)
                print("wrote \(b.count) coil(s) from \(address)")
            } else {
                let r = try registers()
                try await line.writeRegisters(unit: UInt8(target.unit), address: address, values: r)
                print("wrote \(r.count) register(s) from \(address)")
            }
        } catch let error as ModbusError {
            await line.close()
            Console.error(error.description)
            throw ExitCode(1)
        }
        await line.close()
    }
}
