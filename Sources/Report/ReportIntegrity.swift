/// The state of the ledger's hash chain that a report's figures were computed from.
public struct ReportIntegrity: Sendable {
    /// The chain head (hash of the last record), lowercase hexadecimal.
    public var chainHeadHex: String
    /// Number of records covered by the chain.
    public var records: Int
    /// Whether the whole chain was verified when the report was generated.
    public var verified: Bool
    /// What was checked, or what failed, in words.
    public var note: String
    /// The ledger's signing key in force (``KeyFingerprint``), nil when it has none.
    public var signingKeyFingerprint: String?

    /// Creates an integrity statement.
    public init(chainHeadHex: String, records: Int, verified: Bool, note: String) {
        self.chainHeadHex = chainHeadHex
        self.records = records
        self.verified = verified
        self.note = note
    }
}
