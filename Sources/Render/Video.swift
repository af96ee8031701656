import Foundation

/// Video formats `occam video` can write.
public enum VideoFormat: String, CaseIterable, Sendable {
    case apng, gif, mp4
}

/// Turns a frame folder into an animation. APNG is written by Occam; GIF and MP4 go through
/// ffmpeg, found on PATH.
public enum VideoExport {
    /// Write the video to `output` (via a temporary file renamed into place).
    /// `progress` is called with the number of frames done.
    public static func write(frames: FrameFolder, format: VideoFormat, output: String, framesPerSecond: Double,
                             progress: (Int) -> Void = { _ in }) throws {
        let temporary = FilePath.folder(of: output) + "/.\(FilePath.name(of: output)).tmp-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        switch format {
        case .apng:
            let first = try frames.frame(0)
            let size = (first.width, first.height, first.channels)
            var writer = try APNGWriter(width: first.width, height: first.height, channels: first.channels,
                                        frameCount: frames.count, framesPerSecond: framesPerSecond)
            try writer.append(first)
            progress(1)
            for k in 1..<frames.count {  // a FrameFolder holds at least one frame
                try writer.append(try frames.frame(k, expecting: size))
                progress(k + 1)
            }
            let bytes = try writer.finish()
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw RenderError.videoTool("\(output): cannot write file")
            }
        case .gif, .mp4:
            guard let ffmpeg = findExecutable("ffmpeg") else {
                throw RenderError.videoTool(
                    "\(format.rawValue.uppercased()) needs ffmpeg, which is not on PATH: install it (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) or use --format apng")
            }
            // ffmpeg reads a numbered sequence by pattern; frames named otherwise are linked as
            // frame_%05d.png in a scratch folder first
            var input = (frames.path as NSString).appendingPathComponent(FrameFolder.pattern)
            var links: String?
            defer { if let links { try? FileManager.default.removeItem(atPath: links) } }
            if !frames.occamNames {
                let dir = temporary + ".frames"
                try? FileManager.default.removeItem(atPath: dir)
                do {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
                    links = dir
                    for (k, file) in frames.files.enumerated() {
                        let target = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
                        try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(FrameFolder.fileName(k))", withDestinationPath: target)
                    }
                } catch {
                    throw RenderError.videoTool("\(dir): cannot link the frames for ffmpeg: \(error.localizedDescription)")
                }
                input = (dir as NSString).appendingPathComponent(FrameFolder.pattern)
            }
            var arguments = ["-y", "-loglevel", "error", "-framerate", String(framesPerSecond), "-i", input]
            if format == .gif {
                arguments += ["-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", "-f", "gif"]
            } else {
                arguments += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                              "-crf", "20", "-movflags", "+faststart", "-f", "mp4"]
            }
            arguments.append(temporary)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ffmpeg)
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                let text = String(decoding: message, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
                throw RenderError.videoTool("ffmpeg failed (exit \(process.terminationStatus)): \(text)")
            }
            progress(frames.count)
        }
        // rename(2) replaces an existing output atomically (Foundation's replaceItemAt on Linux
        // removed the old file and then failed)
        guard rename(temporary, output) == 0 else {
            throw RenderError.videoTool("\(output): cannot write (\(String(cString: strerror(errno))))")
        }
    }

    /// First executable named `name` on PATH.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
