import CModbus
#if canImport(Glibc)
import Glibc
#endif

/// One libmodbus context (`modbus_t`), owned by exactly one ``ModbusLine``: libmodbus contexts
/// are not thread-safe, so this class is neither `Sendable` nor shared.
///
/// Each method names the libmodbus function it wraps and returns the `errno` of a failure,
/// captured right after the call on the same thread.
final class ModbusContext {
    private let raw: OpaquePointer
    private(set) var isConnected = false

    /// `modbus_new_rtu` / `modbus_new_tcp`. Fails (with errno) when libmodbus refuses the
    /// settings (an invalid baud rate or parity).
    init(endpoint: ModbusEndpoint) throws(CError) {
        let made: OpaquePointer?
        lanterne_modbus_clear_errno()
        switch endpoint {
        case .rtu(let p):
            made = modbus_new_rtu(p.device, Int32(p.baud), CChar(bitPattern: UInt8(ascii: p.parity.rawValue.unicodeScalars.first!)),
                                  Int32(p.dataBits), Int32(p.stopBits))
        case .tcp(let host, let port):
            made = modbus_new_tcp(host, Int32(port))
        }
        guard let made else { throw CError(code: lanterne_modbus_errno()) }
        raw = made
        modbus_set_error_recovery(raw, MODBUS_ERROR_RECOVERY_NONE)
    }

    deinit {
        if isConnected { modbus_close(raw) }
        modbus_free(raw)
    }

    /// An errno value from a failed libmodbus call, with libmodbus' own text for it.
    struct CError: Error {
        var code: Int32
        var text: String { String(cString: modbus_strerror(code)) }
    }

    /// `modbus_set_response_timeout` and `modbus_set_byte_timeout`.
    func setTimeouts(response: Duration, byte: Duration) {
        let (rs, ru) = Self.split(response), (bs, bu) = Self.split(byte)
        modbus_set_response_timeout(raw, rs, ru)
        modbus_set_byte_timeout(raw, bs, bu)
    }

    private static func split(_ d: Duration) -> (UInt32, UInt32) {
        let micros = max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000)
        return (UInt32(micros / 1_000_000), UInt32(micros % 1_000_000))
    }

    /// `modbus_connect`, then `modbus_rtu_set_serial_mode(MODBUS_RTU_RS485)` when asked.
    func connect(rs485: Bool) throws(CError) {
        lanterne_modbus_clear_errno()
        if modbus_connect(raw) != 0 { throw CError(code: lanterne_modbus_errno()) }
        isConnected = true
        if rs485, modbus_rtu_set_serial_mode(raw, lanterne_modbus_rtu_rs485) != 0 {
            let code = lanterne_modbus_errno()
            close()
            throw CError(code: code)
        }
    }

    /// `modbus_close`.
    func close() {
        if isConnected { modbus_close(raw) }
        isConnected = false
    }

    /// `modbus_flush`: drops bytes still in the receive buffer (a late or damaged reply).
    func flush() { if isConnected { _ = modbus_flush(raw) } }

    /// `modbus_set_slave`: the unit id of the next requests (also over TCP, where libmodbus
    /// would otherwise send 0xFF).
    func setUnit(_ unit: UInt8) { modbus_set_slave(raw, Int32(unit)) }

    /// Runs one libmodbus request and returns its result or the errno of its failure.
    private func call(_ body: (OpaquePointer) -> Int32) throws(CError) -> Int32 {
        lanterne_modbus_clear_errno()
        let rc = body(raw)
        if rc < 0 { throw CError(code: lanterne_modbus_errno()) }
        return rc
    }

    /// `modbus_read_registers` (function 3) or `modbus_read_input_registers` (function 4).
    func readRegisters(input: Bool, address: Int, count: Int) throws(CError) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBufferPointer { (b) throws(CError) -> Int32 in
            try call { ctx in
                input ? modbus_read_input_registers(ctx, Int32(address), Int32(count), b.baseAddress)
                      : modbus_read_registers(ctx, Int32(address), Int32(count), b.baseAddress)
            }
        }
        return Array(out.prefix(Int(n)))
    }

    /// `modbus_read_bits` (function 1) or `modbus_read_input_bits` (function 2).
    func readBits(discrete: Bool, address: Int, count: Int) throws(CError) -> [Bool] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBufferPointer { (b) throws(CError) -> Int32 in
            try call { ctx in
                discrete ? modbus_read_input_bits(ctx, Int32(address), Int32(count), b.baseAddress)
                         : modbus_read_bits(ctx, Int32(address), Int32(count), b.baseAddress)
            }
        }
        return out.prefix(Int(n)).map { $0 != 0 }
    }

    /// `modbus_write_register` (function 6) for one value, `modbus_write_registers`
    /// (function 16) for several.
    func writeRegisters(address: Int, values: [UInt16]) throws(CError) {
        if values.count == 1 {
            _ = try call { ctx in modbus_write_register(ctx, Int32(address), values[0]) }
        } else {
            _ = try values.withUnsafeBufferPointer { (b) throws(CError) -> Int32 in
                try call { ctx in modbus_write_registers(ctx, Int32(address), Int32(b.count), b.baseAddress) }
            }
        }
    }

    /// `modbus_write_bit` (function 5) for one coil, `modbus_write_bits` (function 15) for several.
    func writeBits(address: Int, values: [Bool]) throws(CError) {
        if values.count == 1 {
            _ = try call { ctx in modbus_write_bit(ctx, Int32(address), values[0] ? 1 : 0) }
        } else {
            let bytes = values.map { UInt8($0 ? 1 : 0) }
            _ = try bytes.withUnsafeBufferPointer { (b) throws(CError) -> Int32 in
                try call { ctx in modbus_write_bits(ctx, Int32(address), Int32(b.count), b.baseAddress) }
            }
        }
    }
}
