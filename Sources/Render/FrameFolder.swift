import Foundation

/// A folder of frames: one numbered sequence of PNG files. Occam writes `frame_00000.png`,
/// `frame_00001.png`, … (numbered from 0); frames made elsewhere may use any one name pattern
/// `<prefix><number>.png` — `img0001.png`, `0001.png`, `cam_7.png` — numbered consecutively
/// from any first number. Gaps are errors (a dropped frame would break the time axis).
public struct FrameFolder: Sendable {
    public let path: String
    /// Frame files in order.
    public let files: [String]
    /// The first frame's number (0 for Occam's own names).
    public let firstNumber: Int
    /// Named as Occam writes them (`frame_%05d.png` from 0), so a pattern reads them.
    public let occamNames: Bool

    public static let pattern = "frame_%05d.png"

    public static func fileName(_ index: Int) -> String { String(format: "frame_%05d.png", index) }
    /// Whether `name` is one Occam writes: `frame_` and five or more digits, `.png`.
    public static func isOccamFrameName(_ name: String) -> Bool {
        guard name.hasPrefix("frame_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst(6).dropLast(4)
        return digits.count >= 5 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Lists and checks the frames: the folder must exist and hold one numbered sequence of
    /// PNG files with no number missing or repeated.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RenderError.invalidArgument("\(path): no such folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }
        } catch {
            throw RenderError.invalidArgument("\(path): cannot list folder: \(error.localizedDescription)")
        }
        // Each PNG as (prefix, digits, suffix, name): the last run of digits before the extension.
        var sequences: [String: [(number: Int, width: Int, name: String)]] = [:]
        for name in names {
            let lower = name.lowercased()
            guard lower.hasSuffix(".png") else { continue }
            let stem = name.dropLast(4)
            let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let n = Int(String(digits.reversed())) else { continue }
            let key = String(stem.dropLast(digits.count)) + "\u{0}" + String(name.suffix(4))
            sequences[key, default: []].append((n, digits.count, name))
        }
        let own = "frame_\u{0}.png"
        let key: String
        if sequences[own] != nil {
            key = own
        } else if sequences.count == 1 {
            key = sequences.keys.first!
        } else if sequences.isEmpty {
            throw RenderError.invalidArgument(
                "\(path): no frames (expected numbered PNG files: frame_00000.png, frame_00001.png, … or any one pattern such as img0001.png, img0002.png, …)")
        } else {
            let shown = sequences.keys.sorted().prefix(3).map { $0.replacingOccurrences(of: "\u{0}", with: "N") }
            throw RenderError.invalidArgument(
                "\(path): several numbered PNG sequences (\(shown.joined(separator: ", "))\(sequences.count > 3 ? ", …" : "")); keep one sequence per folder")
        }
        let numbered = sequences[key]!.sorted { $0.number < $1.number }
        let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
        let first = key == own ? 0 : numbered[0].number
        let widths = Set(numbered.map(\.width))
        let pattern = parts[0].replacingOccurrences(of: "%", with: "%%") + (widths.count == 1 ? "%0\(widths.first!)d" : "%d") + parts[1]
        for (k, entry) in numbered.enumerated() where entry.number != first + k {
            if entry.number < first + k {
                throw RenderError.invalidArgument("\(path): frame number \(entry.number) appears twice (\(entry.name))")
            }
            let missing = (path as NSString).appendingPathComponent(String(format: pattern, first + k))
            throw RenderError.invalidArgument("\(missing): missing frame (frames must be numbered \(key == own ? "from 0 " : "")without gaps)")
        }
        self.path = path
        self.files = numbered.map { (path as NSString).appendingPathComponent($0.name) }
        self.firstNumber = first
        self.occamNames = key == own
    }

    public var count: Int { files.count }

    /// Read frame `index`, checking it has the given size and channel count if provided.
    public func frame(_ index: Int, expecting size: (width: Int, height: Int, channels: Int)? = nil,
                      limits: PNGLimits = .standard) throws -> Image {
        let image = try PNGFile.read(files[index], limits: limits)
        if let size, image.width != size.width || image.height != size.height || image.channels != size.channels {
            throw RenderError.mismatchedImage(
                path: files[index],
                reason: "frame is \(image.width)x\(image.height) with \(image.channels) channel(s); frame 0 is \(size.width)x\(size.height) with \(size.channels)")
        }
        return image
    }
}
