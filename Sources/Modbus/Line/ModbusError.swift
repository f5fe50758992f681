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
        /// the request was not sent. ``ModbusError/cause`` is the kind of the failure that
        /// faulted it, the message carries that failure.
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
    /// For ``Kind/faulted``: the kind of the failure that faulted the unit (nil otherwise, or
    /// when it is not known).
    public var cause: Kind?

    public init(_ kind: Kind, line: String, unit: UInt8? = nil, function: UInt8? = nil, address: Int? = nil, message: String,
                cause: Kind? = nil) {
        self.kind = kind
        self.cause = cause
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

    /// True when trying again later may succeed: exactly when the ``HAL/HALError`` kind this
    /// failure maps to is transient (``halKind``). One rule, kept in ``halKind``: the line's
    /// retries and a HAL caller (the control loop, the probe) always agree.
    public var isTransient: Bool { halKind.isTransient }

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

    /// The ``HAL/HALError`` kind of this failure: **the one place where a Modbus failure is
    /// classified** (``isTransient`` and ``halError(device:)`` both derive from it).
    ///
    /// - no reply, 10 (gateway path unavailable), 11 (gateway target failed to respond):
    ///   `.timeout` — transient;
    /// - damaged frame, broken connection, port or host not opened: `.busFault` — transient;
    /// - 5 (acknowledge: a long operation under way), 6 (server busy): `.busy` — transient;
    /// - 2 (illegal address): `.notFound`; 3 (illegal value), an invalid request:
    ///   `.invalidArgument`; 1 (illegal function): `.unsupported`; 4 (server failure) and any
    ///   other exception: `.deviceFault` — not transient;
    /// - ``Kind/faulted`` (the unit is in its back-off; nothing was sent): the kind of the
    ///   failure that faulted it (``cause``), so that the refusal is exactly as transient as
    ///   that failure — a unit faulted by timeouts will be tried again, one faulted by a server
    ///   failure reports a device fault. Without a known cause, `.deviceFault`.
    public var halKind: HALError.Kind {
        if kind == .faulted {
            guard let cause, cause != .faulted else { return .deviceFault }
            return ModbusError(cause, line: line, message: message).halKind
        }
        switch kind {
        case .timeout, .exception(10), .exception(11): return .timeout
        case .badFrame, .connection, .open: return .busFault
        case .exception(5), .exception(6): return .busy(consumer: nil)
        case .exception(2): return .notFound
        case .exception(3), .invalidRequest: return .invalidArgument
        case .exception(1): return .unsupported
        case .exception, .faulted: return .deviceFault
        }
    }

    /// The same failure as a ``HAL/HALError`` for the device named `device` (kind: ``halKind``).
    public func halError(device: String) -> HALError {
        HALError(halKind, device: device, location: location, message: "\(kind): \(message)")
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
