/// A predictor of the next pixel from what the decoder already has: earlier frames and the
/// pixels of this frame above and to the left. Encoder and decoder run the same model on the
/// same decoded pixels, so nothing the model learns is stored in the stream.
///
/// Contract: `predict` may read `frame` only before index (y·width + x)·channels + c, and only
/// state changed in `beginFrame`, `learnRow` and `endFrame` — so a whole row can be predicted
/// ahead (the encoder's row-skip test) with the same results as pixel by pixel.
public protocol PixelModel: Sendable {
    /// Number of residual contexts `predict` may return.
    var contexts: Int { get }
    /// Prepare frame `index`. Side information (e.g. position corrections) is coded here:
    /// `original` is the frame being encoded, nil when decoding.
    mutating func beginFrame<C: BinaryCoder>(_ index: Int, original: UnsafePointer<UInt8>?, coder: inout C)
    /// Prediction (0…255) and residual context of pixel (x, y, c). `westResidual` is the
    /// residual of the pixel to the left in the same channel (0 at a row start).
    func predict(_ frame: UnsafePointer<UInt8>, x: Int, y: Int, c: Int, westResidual: Int) -> (prediction: Int, context: Int)
    /// A hint in 0..<4 for the row-skip flag (e.g. whether an object is expected on this row).
    func rowContext(_ y: Int) -> Int
    /// Called after each row with its decoded pixels and the predictions used.
    mutating func learnRow(_ frame: UnsafePointer<UInt8>, y: Int, predictions: UnsafePointer<Int32>)
    /// Called with every decoded frame.
    mutating func endFrame(_ frame: [UInt8])
}

/// Frame geometry shared by the models.
public struct Geometry: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var rowStride: Int { width * channels }
    public var count: Int { width * height * channels }
    public init(width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        self.channels = channels
    }
}

/// Median edge detector of LOCO-I / JPEG-LS: picks W or N at an edge, W + N − NW on a slope.
@inline(__always) func med(_ w: Int, _ n: Int, _ nw: Int) -> Int {
    let lo = min(w, n), hi = max(w, n)
    if nw >= hi { return lo }
    if nw <= lo { return hi }
    return w + n - nw
}

/// Bucket of a non-negative activity measure: 0, 1–2, 3–5, 6–10, 11–20, 21–40, 41–80, 81+.
@inline(__always) func activityBucket(_ a: Int) -> Int {
    if a == 0 { return 0 }
    if a <= 2 { return 1 }
    if a <= 5 { return 2 }
    if a <= 10 { return 3 }
    if a <= 20 { return 4 }
    if a <= 40 { return 5 }
    if a <= 80 { return 6 }
    return 7
}

/// Bucket of a residual magnitude: 0, 1–2, 3–8, 9+.
@inline(__always) func residualBucket(_ r: Int) -> Int {
    let m = abs(r)
    if m == 0 { return 0 }
    if m <= 2 { return 1 }
    if m <= 8 { return 2 }
    return 3
}

/// Neighbours W, N, NW, NE of (x, y, c) in `f`, replicated at the borders (0 at the very first pixel).
@inline(__always) func neighbours(_ f: UnsafePointer<UInt8>, _ g: Geometry, x: Int, y: Int, c: Int)
    -> (w: Int, n: Int, nw: Int, ne: Int) {
    let i = (y * g.width + x) * g.channels + c
    let s = g.rowStride, ch = g.channels
    if y == 0 {
        let w = x > 0 ? Int(f[i - ch]) : 0
        return (w, w, w, w)
    }
    let n = Int(f[i - s])
    let w = x > 0 ? Int(f[i - ch]) : n
    let nw = x > 0 ? Int(f[i - s - ch]) : n
    let ne = x + 1 < g.width ? Int(f[i - s + ch]) : n
    return (w, n, nw, ne)
}
