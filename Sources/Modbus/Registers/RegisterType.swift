/// How a value is laid out in 16-bit registers.
public enum RegisterType: String, Sendable, Hashable, CaseIterable {
    case u16, s16, u32, s32, f32

    /// Registers one value occupies.
    public var width: Int {
        switch self {
        case .u16, .s16: return 1
        case .u32, .s32, .f32: return 2
        }
    }
}

/// The order of the two registers of a 32-bit value. Bytes inside a register are always
/// big-endian on the wire; word order varies between vendors.
public enum WordOrder: String, Sendable, Hashable, CaseIterable {
    /// High word first (Eastron, SunSpec, most meters): "ABCD".
    case big
    /// Low word first (some PLCs): "CDAB".
    case little
}

/// A decoded register value.
public enum RegisterValue: Sendable, Hashable, CustomStringConvertible {
    case unsigned(UInt32)
    case signed(Int32)
    case float(Float)

    public var description: String {
        switch self {
        case .unsigned(let v): return String(v)
        case .signed(let v): return String(v)
        case .float(let v): return v.isFinite ? "\(v)" : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
        }
    }

    /// The value as a double (exact for every integer type).
    public var doubleValue: Double {
        switch self {
        case .unsigned(let v): return Double(v)
        case .signed(let v): return Double(v)
        case .float(let v): return Double(v)
        }
    }
}

/// Pure encoding and decoding of register values (no I/O).
///
/// float32 is decoded here with `Float(bitPattern:)`: libmodbus 3.1.6's `modbus_get_float_*`
/// helpers are wrong for some byte orders.
public enum RegisterCodec {
    /// The 32 bits of two registers in the given word order.
    public static func bits32(_ a: UInt16, _ b: UInt16, order: WordOrder) -> UInt32 {
        order == .big ? UInt32(a) << 16 | UInt32(b) : UInt32(b) << 16 | UInt32(a)
    }

    /// Decodes one value from `registers` (which must hold at least `type.width`).
    public static func decode(_ registers: ArraySlice<UInt16>, as type: RegisterType, order: WordOrder = .big) -> RegisterValue {
        let i = registers.startIndex
        switch type {
        case .u16: return .unsigned(UInt32(registers[i]))
        case .s16: return .signed(Int32(Int16(bitPattern: registers[i])))
        case .u32: return .unsigned(bits32(registers[i], registers[i + 1], order: order))
        case .s32: return .signed(Int32(bitPattern: bits32(registers[i], registers[i + 1], order: order)))
        case .f32: return .float(Float(bitPattern: bits32(registers[i], registers[i + 1], order: order)))
        }
    }

    /// Decodes consecutive values of one type.
    public static func decodeAll(_ registers: [UInt16], as type: RegisterType, order: WordOrder = .big) -> [RegisterValue] {
        stride(from: 0, to: registers.count - type.width + 1, by: type.width).map {
            decode(registers[$0..<($0 + type.width)], as: type, order: order)
        }
    }

    /// Encodes a number as registers, or nil when it does not fit the type (out of range, or
    /// not an integer for an integer type).
    public static func encode(_ value: Double, as type: RegisterType, order: WordOrder = .big) -> [UInt16]? {
        func split(_ bits: UInt32) -> [UInt16] {
            let hi = UInt16(bits >> 16), lo = UInt16(bits & 0xFFFF)
            return order == .big ? [hi, lo] : [lo, hi]
        }
        switch type {
        case .f32:
            return split(Float(value).bitPattern)
        case .u16, .s16, .u32, .s32:
            guard value.isFinite, value == value.rounded() else { return nil }
            switch type {
            case .u16: return (0...65_535).contains(value) ? [UInt16(value)] : nil
            case .s16: return (-32_768...32_767).contains(value) ? [UInt16(bitPattern: Int16(value))] : nil
            case .u32: return (0...4_294_967_295).contains(value) ? split(UInt32(value)) : nil
            default: return (-2_147_483_648...2_147_483_647).contains(value) ? split(UInt32(bitPattern: Int32(value))) : nil
            }
        }
    }
}
