import Codec
import Foundation

/// Fuzz target for the `.occ` decoder.
///
/// Built with `-DFUZZING` and `--sanitize=fuzzer` it is a libFuzzer target (see the README);
/// built normally it replays the files named on the command line (e.g. a crash reproducer)
/// through the same function.
func decodeAll(_ bytes: [UInt8]) -> String {
    let reader: StreamReader
    do { reader = try StreamReader(bytes: bytes, name: "input") } catch { return "rejected: \(error)" }
    // Keep each run short: skip decoding streams that declare more than 4 M samples in total.
    guard reader.geometry.count * reader.frameCount <= 1 << 22 else { return "header ok; too large to decode in a fuzz run" }
    var r = reader
    for k in 0..<r.frameCount {
        do { _ = try r.next() } catch { return "frame \(k): \(error)" }
    }
    return "decoded \(r.frameCount) frames"
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = decodeAll(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            print("usage: occam-fuzz-decoder FILE… (replays inputs; build with -DFUZZING --sanitize=fuzzer to fuzz)")
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            print("\(path): \(decodeAll([UInt8](data)))")
        }
    }
}
#endif
