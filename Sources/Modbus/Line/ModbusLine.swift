import Dispatch
import HAL

/// One Modbus line — a serial port or a TCP connection — and the only owner of its libmodbus
/// context. Requests from any task are serialised on the line's own dispatch queue (a custom
/// executor), where libmodbus blocks without holding a thread of Swift's cooperative pool.
///
/// The line reconnects by itself after a broken connection, retries transient failures with a
/// growing delay, and keeps a ``DeviceHealth`` per unit so that a failing device is marked
/// faulted and skipped (failing fast) until its next attempt, while the other units on the
/// line keep working.
public actor ModbusLine {
    /// How the line times, retries and backs off.
    public struct Options: Sendable, Hashable {
        /// How long to wait for the first byte of a reply.
        public var responseTimeout: Duration
        /// Longest silence allowed between two bytes of a reply.
        public var byteTimeout: Duration
        /// Extra attempts for a request that failed transiently (0 = no retry).
        public var retries: Int
        /// Wait before the first retry; doubles at each further retry.
        public var retryDelay: Duration
        /// Wait before a faulted unit's first new attempt; doubles after each failed attempt.
        public var faultRetry: Duration
        /// The longest wait between attempts on a faulted unit.
        public var faultRetryMax: Duration

        public init(responseTimeout: Duration = .milliseconds(500), byteTimeout: Duration = .milliseconds(100),
                    retries: Int = 2, retryDelay: Duration = .milliseconds(20),
                    faultRetry: Duration = .seconds(1), faultRetryMax: Duration = .seconds(60)) {
            self.responseTimeout = responseTimeout
            self.byteTimeout = byteTimeout
            self.retries = retries
            self.retryDelay = retryDelay
            self.faultRetry = faultRetry
            self.faultRetryMax = faultRetryMax
        }
    }

    /// Where the line goes.
    public nonisolated let endpoint: ModbusEndpoint
    public nonisolated let options: Options
    private let executor: DeviceExecutor
    private let now: @Sendable () -> ContinuousClock.Instant
    private var context: ModbusContext?
    private var health: [UInt8: DeviceHealth] = [:]
    /// Frames sent on the wire (attempts included), for diagnostics and tests.
    public private(set) var framesSent = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Creates a line; nothing is opened until the first request.
    ///
    /// - Parameter now: the monotonic clock used for fault back-off (injected so tests can
    ///   drive it).
    public init(endpoint: ModbusEndpoint, options: Options = Options(),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.endpoint = endpoint
        self.options = options
        self.now = now
        self.executor = DeviceExecutor(label: "lanterne.modbus.\(endpoint.shortName)")
    }

    /// The health of `unit` as seen by this line.
    public func health(of unit: UInt8) -> DeviceHealth { health[unit] ?? DeviceHealth() }

    /// The health of every unit this line has talked to.
    public var allHealth: [UInt8: DeviceHealth] { health }

    /// Closes the port or connection. The next request reopens it.
    public func close() {
        context?.close()
        context = nil
    }

    // MARK: - Requests

    /// Reads holding registers (function 3) or input registers (function 4); more than 125
    /// registers are read in several frames.
    ///
    /// - Throws: ``ModbusError`` naming the line, unit, function and register.
    public func readRegisters(unit: UInt8, input: Bool = false, address: Int, count: Int) async throws(ModbusError) -> [UInt16] {
        let function: UInt8 = input ? 4 : 3
        try check(address: address, count: count, limit: 125, unit: unit, function: function)
        var result: [UInt16] = []
        result.reserveCapacity(count)
        for (at, n) in Self.chunks(address: address, count: count, limit: 125) {
            result += try await perform(unit: unit, function: function, address: at) { (ctx) throws(ModbusContext.CError) in
                try ctx.readRegisters(input: input, address: at, count: n)
            }
        }
        return result
    }

    /// Reads coils (function 1) or discrete inputs (function 2).
    ///
    /// - Throws: ``ModbusError``.
    public func readBits(unit: UInt8, discrete: Bool = false, address: Int, count: Int) async throws(ModbusError) -> [Bool] {
        let function: UInt8 = discrete ? 2 : 1
        try check(address: address, count: count, limit: 2000, unit: unit, function: function)
        var result: [Bool] = []
        for (at, n) in Self.chunks(address: address, count: count, limit: 2000) {
            result += try await perform(unit: unit, function: function, address: at) { (ctx) throws(ModbusContext.CError) in
                try ctx.readBits(discrete: discrete, address: at, count: n)
            }
        }
        return result
    }

    /// Writes consecutive holding registers: one value with function 6, several with
    /// function 16 in as few frames as the protocol allows (123 registers each).
    ///
    /// - Throws: ``ModbusError``.
    public func writeRegisters(unit: UInt8, address: Int, values: [UInt16]) async throws(ModbusError) {
        try check(address: address, count: values.count, limit: 123, unit: unit, function: values.count == 1 ? 6 : 16)
        for (at, n) in Self.chunks(address: address, count: values.count, limit: 123) {
            let chunk = Array(values[(at - address)..<(at - address + n)])
            try await perform(unit: unit, function: n == 1 ? 6 : 16, address: at) { (ctx) throws(ModbusContext.CError) in
                try ctx.writeRegisters(address: at, values: chunk)
            }
        }
    }

    /// Writes consecutive coils: one with function 5, several with function 15.
    ///
    /// - Throws: ``ModbusError``.
    public func writeCoils(unit: UInt8, address: Int, values: [Bool]) async throws(ModbusError) {
        try check(address: address, count: values.count, limit: 1968, unit: unit, function: values.count == 1 ? 5 : 15)
        for (at, n) in Self.chunks(address: address, count: values.count, limit: 1968) {
            let chunk = Array(values[(at - address)..<(at - address + n)])
            try await perform(unit: unit, function: n == 1 ? 5 : 15, address: at) { (ctx) throws(ModbusContext.CError) in
                try ctx.writeBits(address: at, values: chunk)
            }
        }
    }

    /// `count` items from `address` cut into frames of at most `limit`: (first address, size).
    static func chunks(address: Int, count: Int, limit: Int) -> [(Int, Int)] {
        stride(from: address, to: address + count, by: limit).map { ($0, min(limit, address + count - $0)) }
    }

    private func check(address: Int, count: Int, limit: Int, unit: UInt8, function: UInt8) throws(ModbusError) {
        guard count > 0, address >= 0, address + count <= 65_536 else {
            throw ModbusError(.invalidRequest, line: endpoint.shortName, unit: unit, function: function, address: address,
                              message: "\(count) item(s) from address \(address) is outside 0...65535")
        }
    }

    // MARK: - Attempts, retries, health

    /// Runs one request with the line's retry policy and the unit's health bookkeeping.
    private func perform<T>(unit: UInt8, function: UInt8, address: Int,
                            _ body: (ModbusContext) throws(ModbusContext.CError) -> T) async throws(ModbusError) -> T {
        var h = health[unit] ?? DeviceHealth()
        let t = now()
        if h.state == .faulted, let next = h.nextAttempt, t < next {
            let cause = h.lastError.map { "\($0.kind): \($0.message)" } ?? "earlier failures"
            throw ModbusError(.faulted, line: endpoint.shortName, unit: unit, function: function, address: address,
                              message: "\(cause); next attempt in \(Self.format(next - t))", cause: h.lastError?.kind)
        }
        // A faulted unit gets a single probing attempt; a healthy one its retries.
        let attempts = h.state == .faulted ? 1 : 1 + max(0, options.retries)
        var delay = options.retryDelay
        var last: ModbusError?
        for attempt in 0..<attempts {
            if attempt > 0 {
                try? await Task.sleep(for: delay)
                delay = delay * 2
            }
            do {
                let value = try attemptOnce(unit: unit, function: function, address: address, body)
                h = health[unit] ?? h
                h.state = .ok
                h.consecutiveFailures = 0
                h.faultedSince = nil
                h.nextAttempt = nil
                h.answered += 1
                h.answeredTime += now() - t
                health[unit] = h
                return value
            } catch {
                last = error
                if !error.isTransient { break }
            }
        }
        let error = last!
        h = health[unit] ?? h
        h.failed += 1
        h.lastError = error
        if error.faultsDevice {
            h.consecutiveFailures += 1
            let wait = min(options.faultRetryMax, options.faultRetry * (1 << min(16, h.consecutiveFailures - 1)))
            if h.state != .faulted { h.faultedSince = now() }
            h.state = .faulted
            h.nextAttempt = now() + wait
        }
        health[unit] = h
        throw error
    }

    /// One frame: opens the line if needed, sends, classifies the failure, and resets the line
    /// after a broken connection or a damaged/late reply.
    private func attemptOnce<T>(unit: UInt8, function: UInt8, address: Int,
                                _ body: (ModbusContext) throws(ModbusContext.CError) -> T) throws(ModbusError) -> T {
        let ctx = try open(unit: unit, function: function, address: address)
        ctx.setUnit(unit)
        framesSent += 1
        do {
            return try body(ctx)
        } catch {
            let kind = Self.classify(error.code)
            switch kind {
            case .connection:
                close()
            case .timeout, .badFrame:
                ctx.flush()
                if case .tcp = endpoint { close() }   // a late reply would shift every later one
            default:
                break
            }
            var message = error.text
            if kind == .timeout { message = "no reply within \(Self.format(options.responseTimeout))" }
            throw ModbusError(kind, line: endpoint.shortName, unit: unit, function: function, address: address, message: message)
        }
    }

    private func open(unit: UInt8, function: UInt8, address: Int) throws(ModbusError) -> ModbusContext {
        if let context, context.isConnected { return context }
        do {
            let ctx = try ModbusContext(endpoint: endpoint)
            ctx.setTimeouts(response: options.responseTimeout, byte: options.byteTimeout)
            var rs485 = false
            if case .rtu(let p) = endpoint { rs485 = p.rs485 }
            try ctx.connect(rs485: rs485)
            ctx.flush()      // a late reply to the previous owner may still sit in the port's buffer
            context = ctx
            return ctx
        } catch {
            let what: String
            switch endpoint {
            case .rtu(let p): what = p.rs485 ? "cannot open serial port \(p.device) in RS-485 mode" : "cannot open serial port \(p.device)"
            case .tcp(let host, let port): what = "cannot connect to \(host):\(port)"
            }
            throw ModbusError(.open, line: endpoint.shortName, unit: unit, function: function, address: address,
                              message: "\(what): \(error.text)")
        }
    }

    /// Maps an errno from libmodbus onto a failure kind.
    static func classify(_ code: Int32) -> ModbusError.Kind {
        let base = lanterne_modbus_enobase_value
        if code > base, code <= base + 11 { return .exception(UInt8(code - base)) }
        switch code {
        case ETIMEDOUT_VALUE: return .timeout
        case lanterne_modbus_embmdata_value: return .invalidRequest
        case lanterne_modbus_embbadcrc_value, lanterne_modbus_embbaddata_value, lanterne_modbus_embbadexc_value,
             lanterne_modbus_embunkexc_value, lanterne_modbus_embbadslave_value:
            return .badFrame
        case EINVAL_VALUE: return .invalidRequest
        default: return .connection
        }
    }

    static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms >= 10_000 && ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
