import CabinetService
import Controller
import Foundation
import Testing

/// The events waiting for the ledger: bounded, and a drain says how many were dropped; a
/// follower gets every event posted after it subscribed.
@Suite struct EventInboxTests {
    static func event(_ i: Int) -> ControlEvent {
        ControlEvent(at: Date(timeIntervalSince1970: Double(i)), kind: .state(detail: "\(i)", problem: false))
    }

    @Test func beyondItsCapacityTheOldestAreDroppedAndSaid() {
        let inbox = EventInbox(capacity: 3)
        for i in 1...5 { inbox.post(Self.event(i)) }
        let drained = inbox.drain()
        #expect(drained.count == 4)
        #expect(drained.first?.kind == .eventsLost(count: 2))
        #expect(drained.dropFirst().map(\.at.timeIntervalSince1970) == [3, 4, 5])
        #expect(inbox.drain().isEmpty)
    }

    @Test func aFollowerGetsWhatIsPostedAfterIt() async {
        let inbox = EventInbox()
        inbox.post(Self.event(1))
        let (events, finish) = inbox.subscribe()
        inbox.post(Self.event(2))
        inbox.post(Self.event(3))
        finish()
        var got: [Int] = []
        for await (number, _) in events { got.append(number) }
        #expect(got == [2, 3])
        #expect(inbox.pending.map(\.number) == [1, 2, 3])
    }
}

/// Failed authentications: three free, then each waits longer, up to 8 s; a success forgets.
@Suite struct AuthGuardTests {
    @Test func delaysGrowAfterThreeFailuresAndASuccessForgets() async {
        #expect((1...9).map { AuthGuard.delay(afterFailures: $0) }
                == [.zero, .zero, .zero, .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8)])
        #expect(AuthGuard.delay(afterFailures: 40) == .seconds(8))
        let guardian = AuthGuard()
        for _ in 0..<5 { _ = await guardian.failed(from: "10.0.0.9") }
        #expect(await guardian.failed(from: "10.0.0.9") == .seconds(1))
        #expect(await guardian.failed(from: "10.0.0.7") == .zero)   // per address
        await guardian.succeeded(from: "10.0.0.9")
        #expect(await guardian.failed(from: "10.0.0.9") == .zero)
    }
}
