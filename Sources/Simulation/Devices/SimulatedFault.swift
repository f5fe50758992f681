import HAL
/// The fault a simulated device has been told to show, if any (see `injectFault`).
struct SimulatedFault: Sendable {
    private var kind: HALError.Kind?
    private var message = ""

    /// Every operation of the device fails with `kind` until ``clear()``.
    mutating func inject(_ kind: HALError.Kind, message: String?) {
        self.kind = kind
        self.message = message ?? "injected fault"
    }

    mutating func clear() { kind = nil }

    var isActive: Bool { kind != nil }

    /// Throws the injected fault, if any, attributed to `device`.
    func check(device: String) throws(HALError) {
        if let kind {
            throw HALError(kind, device: device, location: "simulated", message: message)
        }
    }
}
