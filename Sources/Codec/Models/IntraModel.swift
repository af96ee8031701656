/// Level 1, `intra`: each pixel from its neighbours in the same frame, like a lossless image
/// codec (JPEG-LS's median edge detector), with contexts from the local gradient activity and
/// the previous residual. Knows nothing of earlier frames.
public struct IntraModel: PixelModel {
    let geometry: Geometry
    public init(geometry: Geometry) { self.geometry = geometry }
    public var contexts: Int { 32 }
    public mutating func beginFrame<C: BinaryCoder>(_ index: Int, original: UnsafePointer<UInt8>?, coder: inout C) {}

    @inline(__always)
    public func predict(_ frame: UnsafePointer<UInt8>, x: Int, y: Int, c: Int, westResidual: Int) -> (prediction: Int, context: Int) {
        let nb = neighbours(frame, geometry, x: x, y: y, c: c)
        let activity = abs(nb.w - nb.nw) + abs(nb.n - nb.nw) + abs(nb.ne - nb.n)
        return (med(nb.w, nb.n, nb.nw), activityBucket(activity) * 4 + residualBucket(westResidual))
    }

    public func rowContext(_ y: Int) -> Int { 0 }
    public mutating func learnRow(_ frame: UnsafePointer<UInt8>, y: Int, predictions: UnsafePointer<Int32>) {}
    public mutating func endFrame(_ frame: [UInt8]) {}
}

/// Level 2, `temporal`: adds the co-located pixel of the previous frame. The prediction is the
/// previous pixel plus the median-edge prediction of the frame difference from its neighbours
/// (what changed around here changed here too); contexts from the difference's activity.
/// The first frame is coded as `intra`.
public struct TemporalModel: PixelModel {
    let geometry: Geometry
    var previous: [UInt8]?
    var intra: IntraModel
    public init(geometry: Geometry) {
        self.geometry = geometry
        intra = IntraModel(geometry: geometry)
    }
    public var contexts: Int { 64 }
    public mutating func beginFrame<C: BinaryCoder>(_ index: Int, original: UnsafePointer<UInt8>?, coder: inout C) {}

    @inline(__always)
    public func predict(_ frame: UnsafePointer<UInt8>, x: Int, y: Int, c: Int, westResidual: Int) -> (prediction: Int, context: Int) {
        guard let previous else { return intra.predict(frame, x: x, y: y, c: c, westResidual: westResidual) }
        return previous.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            let a = neighbours(frame, geometry, x: x, y: y, c: c)
            let b = neighbours(base, geometry, x: x, y: y, c: c)
            let i = (y * geometry.width + x) * geometry.channels + c
            let dw = a.w - b.w, dn = a.n - b.n, dnw = a.nw - b.nw, dne = a.ne - b.ne
            let prediction = min(255, max(0, Int(base[i]) + med(dw, dn, dnw)))
            let activity = abs(dw) + abs(dn) + abs(dnw) + abs(dne)
            return (prediction, 32 + activityBucket(activity) * 4 + residualBucket(westResidual))
        }
    }

    public func rowContext(_ y: Int) -> Int { 0 }
    public mutating func learnRow(_ frame: UnsafePointer<UInt8>, y: Int, predictions: UnsafePointer<Int32>) {}
    public mutating func endFrame(_ frame: [UInt8]) { previous = frame }
}
