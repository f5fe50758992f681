/// Registers read from a device, by address: what a device map decodes. A map asks for
/// spans (``RequestPlan/Span``), the driver reads them (coalesced) into an image, and the map's
/// pure decode function turns the image into readings.
public struct RegisterImage: Sendable, Hashable {
    private var values: [Int: UInt16] = [:]

    public init() {}

    /// An image holding `registers` from `address` on.
    public init(address: Int, registers: [UInt16]) { store(address: address, registers: registers) }

    /// Adds registers read from `address` on (replacing earlier values).
    public mutating func store(address: Int, registers: [UInt16]) {
        for (i, r) in registers.enumerated() { values[address + i] = r }
    }

    /// The register at `address`, or nil when it was not read.
    public subscript(_ address: Int) -> UInt16? { values[address] }

    /// `count` registers from `address`, or nil if any was not read.
    public func registers(_ address: Int, _ count: Int) -> [UInt16]? {
        var out: [UInt16] = []
        out.reserveCapacity(count)
        for a in address..<(address + count) {
            guard let v = values[a] else { return nil }
            out.append(v)
        }
        return out
    }

    /// Decodes a value of `type` at `address`, or nil if its registers were not read.
    public func value(_ address: Int, _ type: RegisterType, order: WordOrder = .big) -> RegisterValue? {
        registers(address, type.width).map { RegisterCodec.decode($0[...], as: type, order: order) }
    }
}
