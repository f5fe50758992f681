/// Where a Modbus line is: a serial port (RTU) or a TCP server.
public enum ModbusEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Modbus RTU on a serial port.
    case rtu(SerialPort)
    /// Modbus TCP (port 502 by default).
    case tcp(host: String, port: Int)

    /// A serial port's settings.
    public struct SerialPort: Sendable, Hashable {
        public enum Parity: String, Sendable, Hashable, CaseIterable {
            case none = "N", even = "E", odd = "O"
        }
        /// The device path (`/dev/ttyUSB0`, `/dev/ttySC0`).
        public var device: String
        /// Bits per second.
        public var baud: Int
        public var parity: Parity
        /// Data bits: 7 or 8.
        public var dataBits: Int
        /// Stop bits: 1 or 2.
        public var stopBits: Int
        /// Whether to put the UART in RS-485 mode (TIOCSRS485: the kernel drives the
        /// transceiver's direction pin). Only where the board's hardware needs it.
        public var rs485: Bool

        public init(device: String, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8,
                    stopBits: Int = 1, rs485: Bool = false) {
            self.device = device
            self.baud = baud
            self.parity = parity
            self.dataBits = dataBits
            self.stopBits = stopBits
            self.rs485 = rs485
        }

        /// Bits on the wire per character: start + data + parity + stop.
        public var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

        /// Time one character takes on the wire, in seconds.
        public var characterTime: Double { Double(bitsPerCharacter) / Double(baud) }
    }

    /// `/dev/ttyUSB0 9600 8N1` or `tcp 192.168.1.20:502`.
    public var description: String {
        switch self {
        case .rtu(let p): return "\(p.device) \(p.baud) \(p.dataBits)\(p.parity.rawValue)\(p.stopBits)"
        case .tcp(let host, let port): return "tcp \(host):\(port)"
        }
    }

    /// The short name used in error locations: the device path or `host:port`.
    public var shortName: String {
        switch self {
        case .rtu(let p): return p.device
        case .tcp(let host, let port): return "\(host):\(port)"
        }
    }
}
