/// The one error type every HAL device throws: what kind of failure it was (so that callers can
/// act on it: retry, mark the device faulted, give up), which device, where, and why.
///
/// Drivers map their own failures (errno values, Modbus exception codes, timeouts) onto a
/// ``Kind``; the driver-specific detail goes into ``message``. Modelled on embedded-hal's
/// `ErrorKind` and periph.io's wrapped errors.
public struct HALError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, coarse enough for a caller to choose a reaction.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// The device did not answer in time. Usually worth a retry.
        case timeout
        /// The bus itself failed (CRC error, framing error, broken connection, I/O error).
        /// Usually worth a retry after reopening the bus.
        case busFault
        /// The device answered but reported a failure (Modbus exception, driver fault bit,
        /// lamp failure). Retrying rarely helps; mark the device faulted.
        case deviceFault
        /// The device, chip, line, port or register does not exist.
        case notFound
        /// The resource is held by someone else; `consumer` names the holder when known
        /// (for example the consumer label of a GPIO line).
        case busy(consumer: String?)
        /// The request is outside what the device accepts (out-of-range value, cycling a relay
        /// faster than its minimum switch interval, ...). A programming or configuration issue.
        case invalidArgument
        /// The device cannot do this at all (for example reading power from a meter that only
        /// has an energy register).
        case unsupported
        /// The device has been halted (``Haltable/halt()``) and refuses commands.
        case halted

        /// Lower-case words: `timeout`, `bus fault`, `busy (held by "x")`, ...
        public var description: String {
            switch self {
            case .timeout: return "timeout"
            case .busFault: return "bus fault"
            case .deviceFault: return "device fault"
            case .notFound: return "not found"
            case .busy(let consumer?): return "busy (held by \"\(consumer)\")"
            case .busy(nil): return "busy"
            case .invalidArgument: return "invalid argument"
            case .unsupported: return "unsupported"
            case .halted: return "halted"
            }
        }

        /// True for the kinds that may go away by themselves (`timeout`, `busFault`, `busy`):
        /// a caller may retry later.
        public var isTransient: Bool {
            switch self {
            case .timeout, .busFault, .busy: return true
            case .deviceFault, .notFound, .invalidArgument, .unsupported, .halted: return false
            }
        }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The name of the device that failed, as configured in the board file (`relay-c1`, ...).
    public var device: String
    /// Where on the hardware, when it helps: `"/dev/ttyUSB0 unit 3 register 30073"`,
    /// `"gpiochip0 line 17"`. `nil` when the device name says it all.
    public var location: String?
    /// Why, in words: the driver's own explanation (`"no reply within 500 ms"`).
    public var message: String

    /// Creates an error. `message` should be a short phrase without a trailing period.
    public init(_ kind: Kind, device: String, location: String? = nil, message: String) {
        self.kind = kind
        self.device = device
        self.location = location
        self.message = message
    }

    /// The same error reported for the device named `name` (a channel or line wrapped by a
    /// higher-level device reports under its own board name).
    public func renamed(to name: String) -> HALError {
        var e = self
        e.device = name
        return e
    }

    /// One line: `device "meter" (/dev/ttyUSB0 unit 3 register 30073): timeout: no reply within 500 ms`.
    public var description: String {
        let place = location.map { " (\($0))" } ?? ""
        return "device \"\(device)\"\(place): \(kind): \(message)"
    }
}
