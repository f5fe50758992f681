import Controller
import Foundation
import Glibc
import Logging
import Synchronization
import Testing

/// The controller's log lines: one per message, with its level for the journal or for a person.
@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        var text: [String] { all.withLock { $0 } }
    }

    static func logger(journal: Bool, level: Logger.Level = .info) -> (Logger, Lines) {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            LineLogHandler(level: level, toJournal: journal) { line in lines.all.withLock { $0.append(line) } }
        }
        return (logger, lines)
    }

    @Test func forTheJournalEachLineStartsWithItsSyslogPriority() {
        let (logger, lines) = Self.logger(journal: true, level: .debug)
        logger.debug("d")
        logger.info("i")
        logger.notice("n")
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        #expect(lines.text == ["<7>d\n", "<6>i\n", "<5>n\n", "<4>w\n", "<3>e\n", "<2>c\n"])
    }

    @Test func elsewhereTheInstantAndTheLevelAsAWord() throws {
        let (logger, lines) = Self.logger(journal: false)
        logger.warning("clock not trusted", metadata: ["reason": "unsynchronised"])
        let line = try #require(lines.text.first)
        #expect(line.hasSuffix("Z warning: clock not trusted reason=unsynchronised\n"), "\(line)")
        #expect(line.count > 20 && line.prefix(4).allSatisfy(\.isNumber), "\(line)")
    }

    @Test func belowTheLevelNothingAndOneEntryPerLine() {
        let (logger, lines) = Self.logger(journal: true, level: .notice)
        logger.info("dropped")
        logger.error("two\nlines")
        #expect(lines.text == ["<3>two lines\n"])
    }

    @Test func theJournalIsRecognisedByTheDeviceAndInodeOfStandardError() {
        var status = stat()
        fstat(STDERR_FILENO, &status)
        #expect(LineLogHandler.standardErrorIsTheJournal(["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"]))
        #expect(!LineLogHandler.standardErrorIsTheJournal(["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"]))
        #expect(!LineLogHandler.standardErrorIsTheJournal(["JOURNAL_STREAM": "nonsense"]))
        #expect(!LineLogHandler.standardErrorIsTheJournal([:]))
    }
}
