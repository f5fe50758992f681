import Foundation

/// Describes a file I/O error in one line (no Foundation error dump).
public enum FileProblem {
    public static func describe(_ error: any Error, path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { return "is a directory" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not valid UTF-8 text or unreadable (\(error.localizedDescription))"
    }
}
