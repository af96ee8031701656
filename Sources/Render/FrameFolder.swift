import Foundation

/// A folder of frames named `frame_00000.png`, `frame_00001.png`, … numbered from 0 without gaps.
public struct FrameFolder: Sendable {
    public let path: String
    /// Frame files in order.
    public let files: [String]

    public static let pattern = "frame_%05d.png"

    public static func fileName(_ index: Int) -> String { String(format: "frame_%05d.png", index) }

    /// Lists and checks the frames: the folder must exist, hold at least one frame, and the
    /// numbers must run 0, 1, 2, … with none missing.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RenderError.invalidArgument("\(path): no such folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw RenderError.invalidArgument("\(path): cannot list folder: \(error.localizedDescription)")
        }
        var numbered: [(Int, String)] = []
        for name in names where name.hasPrefix("frame_") && name.hasSuffix(".png") {
            let digits = name.dropFirst(6).dropLast(4)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0 else { continue }
            numbered.append((n, name))
        }
        numbered.sort { $0.0 < $1.0 }
        guard !numbered.isEmpty else {
            throw RenderError.invalidArgument("\(path): no frames (expected files named frame_00000.png, frame_00001.png, …)")
        }
        for (k, entry) in numbered.enumerated() where entry.0 != k {
            let missing = (path as NSString).appendingPathComponent(Self.fileName(k))
            if entry.0 < k {
                throw RenderError.invalidArgument("\(path): frame number \(entry.0) appears twice (\(entry.1))")
            }
            throw RenderError.invalidArgument("\(missing): missing frame (frames must be numbered from 0 without gaps)")
        }
        self.path = path
        self.files = numbered.map { (path as NSString).appendingPathComponent($0.1) }
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
