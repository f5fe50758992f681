import CabinetService
import ProfileTrust
import ControlAPI
import ArgumentParser
import Ledger
import Modbus
import Recording
import Savings

/// A command's own failure, said in one line (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// The line for the failures the libraries report — each names its file, ledger, device
    /// or figure — or nil for errors ArgumentParser reports itself.
    static func line(for error: any Error) -> String? {
        switch error {
        case let e as CommandFailure: e.description
        case let e as ExportError: e.description
        case let e as LedgerError: e.description
        case let e as BaselineFitError: "IPMVP baseline: \(e)"
        case let e as FinanceError: "\(e)"
        case let e as LedgerRecorder.OverlapError: e.description
        case let e as LedgerRecorder.ProfileFileError: e.description
        case let e as ModbusError: e.description
        case let e as ControlClientError: e.description
        case let e as TrustError: e.description
        case let e as ControllerRun.RunRefused: e.description
        default: nil
        }
    }
}
