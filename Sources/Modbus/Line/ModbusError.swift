import HAL

/// A failed Modbus request: what kind of failure, on which line, to which unit, for which
/// function and register.
public struct ModbusError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// No (complete) reply within the response timeout.
        case timeout
        /// A reply arrived but was damaged: bad CRC, wrong length, wrong unit or function.
        case badFrame
        /// The device answered with a Modbus exception (1 illegal function, 2 illegal data
        /// address, 3 illegal data value, 4 server failure, 6 busy, 10/11 gateway...).
        case exception(UInt8)
        /// The connection or the port failed (refused, reset, closed, I/O error); the line is
        /// reopened before the next request.
        case connection
        /// The serial port or host could not be opened or configured.
        case open
        /// The request itself is invalid (too many registers, address out of range).
        case invalidRequest
        /// The device is marked faulted after repeated failures, and its next retry is not due:
        /// the request was not sent. The message carries the failure that faulted it.
        case faulted

        public var description: String {
            switch self {
            case .timeout: return "timeout"
            case .badFrame: return "bad frame"
            case .exception(let c): return "exception \(c) (\(ModbusError.exceptionName(c)))"
            case .connection: return "connection failed"
            case .open: return "open failed"
            case .invalidRequest: return "invalid request"
            case .faulted: return "device faulted"
            }
        }
    }

    /// What went wrong.
    public var kind: Kind
    /// The line: `/dev/ttyUSB0` or `192.168.1.20:502`.
    public var line: String
    /// The unit (slave) id, when the failure concerns one.
    public var unit: UInt8?
    /// The function code, when the failure concerns a request.
    public var function: UInt8?
    /// The first register or bit address of the request (0-based, as on the wire).
    public var address: Int?
    /// The driver's explanation, e.g. libmodbus' `strerror` text.
    public var message: String

    public init(_ kind: Kind, line: String, unit: UInt8? = nil, function: UInt8? = nil, address: Int? = nil, message: String) {
        self.kind = kind
        self.line = line
        self.unit = unit
        self.function = function
        self.address = address
        self.message = message
    }

    /// `192.168.1.20:502 unit 3 function 4 register 72`.
    public var location: String {
        var s = line
        if let unit { s += " unit \(unit)" }
        if let function { s += " function \(function)" }
        if let address { s += " \(function.map(ModbusError.addressWord) ?? "register") \(address)" }
        return s
    }

    /// One line: `192.168.1.20:502 unit 3 function 4 register 72: timeout: no reply within 500 ms`.
    public var description: String { "\(location): \(kind): \(message)" }

    /// True when trying again later may succeed (timeouts, damaged frames, broken connections,
    /// busy devices).
    public var isTransient: Bool {
        switch kind {
        case .timeout, .badFrame, .connection, .open, .faulted: return true
        case .exception(let c): return c == 5 || c == 6 || c == 10 || c == 11
        case .invalidRequest: return false
        }
    }

    /// Whether this failure counts against the device's health: the device did not answer
    /// usefully. An "illegal address" reply is an answer (discovery relies on it), a server
    /// failure or an unreachable gateway target is not.
    var faultsDevice: Bool {
        switch kind {
        case .timeout, .badFrame, .connection, .open: return true
        case .exception(let c): return c == 4 || c == 6 || c == 10 || c == 11
        case .invalidRequest, .faulted: return false
        }
    }

    /// The same failure as a ``HAL/HALError`` for the device named `device`.
    public func halError(device: String) -> HALError {
        let halKind: HALError.Kind
        switch kind {
        case .timeout: halKind = .timeout
        case .badFrame, .connection, .open: halKind = .busFault
        case .exception(2): halKind = .notFound
        case .exception(3): halKind = .invalidArgument
        case .exception(1): halKind = .unsupported
        case .exception: halKind = .deviceFault
        case .invalidRequest: halKind = .invalidArgument
        case .faulted: halKind = .deviceFault
        }
        return HALError(halKind, device: device, location: location, message: "\(kind): \(message)")
    }

    static func addressWord(_ function: UInt8) -> String {
        switch function {
        case 1, 5, 15: return "coil"
        case 2: return "input"
        default: return "register"
        }
    }

    /// The standard names of Modbus exception codes.
    public static func exceptionName(_ code: UInt8) -> String {
        switch code {
        case 1: return "illegal function"
        case 2: return "illegal data address"
        case 3: return "illegal data value"
        case 4: return "server device failure"
        case 5: return "acknowledge"
        case 6: return "server device busy"
        case 8: return "memory parity error"
        case 10: return "gateway path unavailable"
        case 11: return "gateway target device failed to respond"
        default: return "unknown exception"
        }
    }
}
