/// How `lanterne run` finds faults from its meters' measurements: what it compares, against
/// what threshold, and for how long a condition must hold before it is a fault (a warming lamp,
/// a fade or a switching in progress is not one). The cabinet file's `faults:` section sets
/// them; these defaults suit LED and discharge lamps alike.
public struct FaultSettings: Sendable, Hashable {
    /// How often the meters' power and voltage are read and compared, in seconds.
    public var sampleSeconds: Int = 10
    /// Lamp failure: measured power below the expected power by more than this percentage.
    public var lampFailurePercent: Double = 20
    public var lampFailureHoldSeconds: Int = 300
    /// Day-burner: more than these watts while every circuit the register measures is off.
    public var dayBurnerWatts: Double = 20
    public var dayBurnerHoldSeconds: Int = 300
    /// Contactor or relay failure: no power (under a tenth of the expected) while circuits are
    /// on with the supply present, or power still drawn after switching off (within
    /// ``contactorWindowSeconds`` of it), for this long.
    public var contactorHoldSeconds: Int = 60
    /// How long after a switching off power still drawn is the contactor's fault, not a day-burner.
    public var contactorWindowSeconds: Int = 600
    /// Supply loss: a phase's voltage below this many volts.
    public var supplyLossVolts: Double = 100
    public var supplyLossHoldSeconds: Int = 10

    public init() {}

    public static let `default` = FaultSettings()
}

/// Which profiles a running controller accepts from `lanterne profile flash` (the cabinet
/// file's `flash:`).
public struct FlashSettings: Sendable, Hashable {
    /// The folder of the signers' public keys (`NAME.pub`).
    public var trustedKeys: String
    /// Unsigned profiles are accepted: for the bench only; each such flash is an event.
    public var allowUnsigned: Bool

    public static let `default` = FlashSettings(trustedKeys: "/etc/lanterne/trusted-keys", allowUnsigned: false)

    public init(trustedKeys: String, allowUnsigned: Bool) {
        self.trustedKeys = trustedKeys
        self.allowUnsigned = allowUnsigned
    }
}
