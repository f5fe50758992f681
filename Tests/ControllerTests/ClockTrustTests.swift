import Controller
import Foundation
import Testing

/// The trust decision, with injected kernel states and readings.
@Suite struct ClockTrustTests {
    let synced = Result<KernelClockSync, KernelClockError>.success(.synchronised())
    let ledgerEnd = Date(timeIntervalSince1970: 1_797_000_000)   // 2026-12-11

    @Test func aSynchronisedClockAfterEveryFloorIsTrusted() {
        let t = ClockTrust.evaluate(kernel: synced, wall: winterNight, policy: .standard(ledgerFloor: ledgerEnd))
        #expect(t.isTrusted && t.reasons.isEmpty)
    }

    @Test func anUnsynchronisedKernelIsNotTrusted() {
        let t = ClockTrust.evaluate(kernel: .success(.unsynchronisedAtBoot), wall: winterNight, policy: .init())
        #expect(!t.isTrusted)
        // STA_UNSYNC, and the boot-time maxerror of 16 s is above the 10 s limit.
        #expect(t.reasons == [.kernelUnsynchronised, .errorTooLarge(maximumError: .seconds(16), limit: .seconds(10))])
    }

    @Test func aLargeMaximumErrorIsNotTrusted() {
        let tooLarge = KernelClockSync(unsynchronised: false, maximumError: .milliseconds(10_001))
        #expect(ClockTrust.evaluate(kernel: .success(tooLarge), wall: winterNight, policy: .init()).reasons
                == [.errorTooLarge(maximumError: .milliseconds(10_001), limit: .seconds(10))])
        let atLimit = KernelClockSync(unsynchronised: false, maximumError: .seconds(10))
        #expect(ClockTrust.evaluate(kernel: .success(atLimit), wall: winterNight, policy: .init()).isTrusted)
        let strict = ClockTrust.Policy(maximumError: .milliseconds(100))
        #expect(!ClockTrust.evaluate(kernel: .success(.synchronised(error: .milliseconds(200))), wall: winterNight, policy: strict).isTrusted)
    }

    @Test func aReadingBeforeTheBuildIsNotTrusted() {
        let epoch = Date(timeIntervalSince1970: 0)
        let t = ClockTrust.evaluate(kernel: synced, wall: epoch, policy: .init())
        #expect(t.reasons == [.beforeFloor(ClockTrust.build)])
        #expect(t.reasons[0].description.hasPrefix("the clock reads earlier than the build (2026-11-30T00:00:00Z)"))
        #expect(ClockTrust.evaluate(kernel: synced, wall: ClockTrust.buildFloor, policy: .init()).isTrusted)
    }

    @Test func aReadingBeforeTheLedgersLastRecordIsNotTrusted() {
        let before = ledgerEnd.addingTimeInterval(-1)
        let t = ClockTrust.evaluate(kernel: synced, wall: before, policy: .standard(ledgerFloor: ledgerEnd))
        #expect(t.reasons == [.beforeFloor(ClockTrust.Floor(ledgerEnd, source: "the ledger's last record"))])
        #expect(ClockTrust.evaluate(kernel: synced, wall: ledgerEnd, policy: .standard(ledgerFloor: ledgerEnd)).isTrusted)
    }

    @Test func anUnreadableKernelIsNotTrustedAndEveryReasonIsGiven() {
        let t = ClockTrust.evaluate(kernel: .failure(KernelClockError("EPERM")), wall: Date(timeIntervalSince1970: 0),
                                    policy: .standard(ledgerFloor: ledgerEnd))
        #expect(t.reasons.count == 3)
        #expect(t.reasons.first == .kernelUnreadable("EPERM"))
    }

    /// The build floor is a constant kept in source: set ahead of the real date, it would leave
    /// every cabinet untrusted for ever.
    @Test func theBuildFloorIsNotInTheFuture() {
        #expect(ClockTrust.buildFloor <= Date())
        #expect(ClockTrust.buildFloor == ISO8601DateFormatter().date(from: "2026-11-30T00:00:00Z"))
    }

    /// The thin wrapper reads this machine's kernel (read-only `ntp_adjtime` needs no privilege).
    /// Whether this machine is synchronised is its business; the reading must succeed and be sane.
    @Test func theHostClockReadsTheKernel() throws {
        let sync = try HostClock().synchronisation().get()
        #expect(sync.maximumError >= .zero && sync.estimatedError >= .zero)
    }
}
