@testable import Modbus
import HAL
import Testing

/// One rule for "may a retry succeed?": ``ModbusError/halKind``. The line's own retries
/// (`isTransient`) and a HAL caller (`halError(device:).kind.isTransient`) must agree.
@Suite struct ModbusErrorTests {
    static let kinds: [ModbusError.Kind] = [.timeout, .badFrame, .connection, .open, .invalidRequest]
        + (1...255).map { .exception(UInt8($0)) }

    static func error(_ kind: ModbusError.Kind, cause: ModbusError.Kind? = nil) -> ModbusError {
        ModbusError(kind, line: "127.0.0.1:502", unit: 1, function: 3, address: 0, message: "m", cause: cause)
    }

    @Test func theLineAndItsCallersAgreeOnEveryKind() {
        for kind in Self.kinds + [.faulted] {
            let e = Self.error(kind)
            #expect(e.isTransient == e.halError(device: "d").kind.isTransient, "\(kind)")
        }
    }

    /// Before the rule, `.faulted` was transient for the line and a non-transient `deviceFault`
    /// for its callers.
    @Test func aFaultedUnitReportsTheFailureThatFaultedIt() {
        for cause in Self.kinds {
            let e = Self.error(.faulted, cause: cause)
            #expect(e.halError(device: "d").kind == Self.error(cause).halError(device: "d").kind, "\(cause)")
            #expect(e.isTransient == e.halError(device: "d").kind.isTransient, "\(cause)")
        }
        #expect(Self.error(.faulted, cause: .timeout).isTransient)
        #expect(Self.error(.faulted, cause: .timeout).halError(device: "d").kind == .timeout)
        #expect(!Self.error(.faulted, cause: .exception(4)).isTransient)
        #expect(Self.error(.faulted, cause: .exception(4)).halError(device: "d").kind == .deviceFault)
        #expect(Self.error(.faulted).halError(device: "d").kind == .deviceFault)     // cause unknown
    }

    @Test func busyAndGatewayExceptionsStayRetried() {
        #expect(Self.error(.exception(5)).halKind == .busy(consumer: nil))
        #expect(Self.error(.exception(6)).halKind == .busy(consumer: nil))
        #expect(Self.error(.exception(10)).halKind == .timeout)
        #expect(Self.error(.exception(11)).halKind == .timeout)
        for c: UInt8 in [5, 6, 10, 11] { #expect(Self.error(.exception(c)).isTransient) }
        for c: UInt8 in [1, 2, 3, 4, 8] { #expect(!Self.error(.exception(c)).isTransient) }
        #expect(Self.error(.exception(2)).halKind == .notFound)
        #expect(Self.error(.exception(3)).halKind == .invalidArgument)
        #expect(Self.error(.exception(1)).halKind == .unsupported)
        #expect(!Self.error(.invalidRequest).isTransient)
        for k: ModbusError.Kind in [.timeout, .badFrame, .connection, .open] { #expect(Self.error(k).isTransient) }
    }
}
