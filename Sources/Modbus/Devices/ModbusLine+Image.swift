extension ModbusLine {
    /// Reads the given register spans, coalesced into as few frames as possible, into an image.
    ///
    /// - Throws: ``ModbusError`` of the first frame that fails.
    public func readImage(unit: UInt8, input: Bool, spans: [RequestPlan.Span]) async throws(ModbusError) -> RegisterImage {
        var image = RegisterImage()
        for span in RequestPlan.coalesce(spans) {
            image.store(address: span.address, registers: try await readRegisters(unit: unit, input: input, address: span.address, count: span.count))
        }
        return image
    }
}
