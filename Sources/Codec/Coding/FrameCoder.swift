/// Codes whole frames pixel by pixel with a model: one function for both directions, so the
/// encoder and the decoder cannot drift apart. Each row starts with a flag "every pixel of this
/// row equals its prediction", which makes well-predicted rows nearly free.
public struct FrameCoder<Model: PixelModel>: Sendable {
    public private(set) var model: Model
    let geometry: Geometry
    var residuals: ResidualCoder
    var rowFlags = [BitModel](repeating: BitModel(), count: 8)
    var predictions: [Int32]
    var frameIndex = 0

    public init(model: Model, geometry: Geometry) {
        self.model = model
        self.geometry = geometry
        residuals = ResidualCoder(contexts: model.contexts)
        predictions = [Int32](repeating: 0, count: geometry.rowStride)
    }

    /// Encode (`encoding` true: `frame` holds the pixels) or decode (`frame` is overwritten) one frame.
    public mutating func code<C: BinaryCoder>(_ frame: inout [UInt8], coder: inout C, encoding: Bool) {
        let g = geometry
        precondition(frame.count == g.count)
        var previousFlag = 0
        precondition(g.channels <= 4)
        frame.withUnsafeMutableBufferPointer { buffer in
            let f = buffer.baseAddress!
            model.beginFrame(frameIndex, original: encoding ? UnsafePointer(f) : nil, coder: &coder)
            predictions.withUnsafeMutableBufferPointer { preds in
                // residual of the previous pixel per channel (4 at most: grey, RGB, RGBA)
                var west: (Int, Int, Int, Int) = (0, 0, 0, 0)
                for y in 0..<g.height {
                    let rowStart = y * g.rowStride
                    // The encoder tests whether the model predicts the whole row exactly; it
                    // keeps those predictions, which are the ones the row is coded with (every
                    // residual before them is 0, and `predict` reads nothing else that changes).
                    var allExact = 0
                    if encoding {
                        allExact = 1
                        scan: for x in 0..<g.width {
                            for c in 0..<g.channels {
                                let p = model.predict(f, x: x, y: y, c: c, westResidual: 0).prediction
                                if Int(f[rowStart + x * g.channels + c]) != p { allExact = 0; break scan }
                                preds[x * g.channels + c] = Int32(p)
                            }
                        }
                    }
                    let flagContext = model.rowContext(y) * 2 + previousFlag
                    let exact = coder.code(allExact, &rowFlags[flagContext])
                    previousFlag = exact
                    if exact == 1 && encoding {
                        model.learnRow(f, y: y, predictions: UnsafePointer(preds.baseAddress!))
                        continue
                    }
                    west = (0, 0, 0, 0)
                    for x in 0..<g.width {
                        for c in 0..<g.channels {
                            let i = rowStart + x * g.channels + c
                            let w = c == 0 ? west.0 : c == 1 ? west.1 : c == 2 ? west.2 : west.3
                            let (p, context) = model.predict(f, x: x, y: y, c: c, westResidual: w)
                            preds[x * g.channels + c] = Int32(p)
                            let value: Int
                            if exact == 1 {
                                value = p
                            } else {
                                value = residuals.code(Int(f[i]), prediction: p, context: context, coder: &coder)
                            }
                            f[i] = UInt8(value)
                            switch c {
                            case 0: west.0 = value - p
                            case 1: west.1 = value - p
                            case 2: west.2 = value - p
                            default: west.3 = value - p
                            }
                        }
                    }
                    model.learnRow(f, y: y, predictions: UnsafePointer(preds.baseAddress!))
                }
            }
        }
        model.endFrame(frame)
        frameIndex += 1
    }
}
