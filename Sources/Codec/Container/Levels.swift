import Formulas
import Foundation

/// The model levels of the ladder, in order of how much of the stream they understand — and
/// the one place a level is registered: its id in the stream header, the side information the
/// stream carries for it, and the frame coder (and, for the object levels, the predictor) it
/// codes with. A new level is a `MotionPredictor` file plus one case here and one in
/// `AnyFrameCoder` below.
public enum ModelKind: String, CaseIterable, Sendable, HeaderNumbered {
    case intra, temporal, motion, learned, neural, law

    /// The level's id in the stream header (never reuse one).
    var id: UInt8 {
        switch self {
        case .intra: 1
        case .temporal: 2
        case .motion: 3
        case .law: 4
        case .learned: 5
        case .neural: 6
        }
    }

    /// Whether the stream carries a law (its text, after the scene metadata) for this level.
    public var carriesLaw: Bool { self == .law }

    /// The neural level's network, for messages ("4-16-16-2 network (386 weights)").
    public static var neuralNetworkSummary: String {
        let sizes = NeuralDynamics.sizes
        return "\(sizes.map(String.init).joined(separator: "-")) network (\(Perceptron.parameterCount(sizes)) weights)"
    }

    /// Whether the stream names where its network starts (`NeuralStart`, after the scene metadata).
    public var carriesStart: Bool { self == .neural }

    /// Whether the level predicts moving objects (those changed with stream version 3).
    var modelsObjects: Bool { self == .motion || self == .learned || self == .neural || self == .law }

    /// The frame coder of this level. `law` is the stream's law (levels that carry one);
    /// `version` the stream's (from 5 the neural level follows trajectories, as the law level, and
    /// the clean-frame measurements of `profiles-2` and `-3` pause on noisy frames; from 6 it
    /// adds its central-field network).
    func frameCoder(geometry g: Geometry, calibration: StreamCalibration, law: Law?, start: NeuralStart = .online,
                    appearance a: ObjectAppearance = .disc, version: UInt16) -> AnyFrameCoder {
        switch self {
        case .intra: return .intra(FrameCoder(model: IntraModel(geometry: g), geometry: g))
        case .temporal: return .temporal(FrameCoder(model: TemporalModel(geometry: g), geometry: g))
        case .motion:
            return .motion(FrameCoder(model: MotionModel(geometry: g, predictor: ConstantAcceleration(), appearance: a, version: version),
                                      geometry: g))
        case .learned:
            let model = MotionModel(geometry: g, predictor: LibraryRegression(calibration: calibration), appearance: a, version: version)
            return .learned(FrameCoder(model: model, geometry: g))
        case .neural:
            let predictor = NeuralPredictor(start: start, followsTrajectories: version >= 5, centralField: version >= 6,
                                            pairs: version >= 7)
            return .neural(FrameCoder(model: MotionModel(geometry: g, predictor: predictor, appearance: a, version: version), geometry: g))
        case .law:
            guard let law else { preconditionFailure("the law level is made with its law (StreamWriter/StreamReader check)") }
            let model = MotionModel(geometry: g, predictor: LawPredictor(law, calibration: calibration), appearance: a, version: version)
            return .law(FrameCoder(model: model, geometry: g))
        }
    }
}

/// One frame coder of any level; dispatches once per frame to a loop specialised for the
/// level's pixel model and predictor (concrete types: the per-pixel loop must not go through a
/// protocol existential — with one inside, the model was copied per pixel, 2.5× slower).
enum AnyFrameCoder {
    case intra(FrameCoder<IntraModel>)
    case temporal(FrameCoder<TemporalModel>)
    case motion(FrameCoder<MotionModel<ConstantAcceleration>>)
    case learned(FrameCoder<MotionModel<LibraryRegression>>)
    case neural(FrameCoder<MotionModel<NeuralPredictor>>)
    case law(FrameCoder<MotionModel<LawPredictor>>)
    /// Held only while a coder is taken out to code a frame: with `self` still holding it, the
    /// coder's arrays (and its predictor's samples) would be copied on every frame's first write.
    case vacant

    /// Fitted constants of the object levels' predictor, and their 1σ.
    var lawConstants: [String: Double] {
        switch self {
        case .learned(let f): return f.model.predictor.constants
        case .law(let f): return f.model.predictor.constants
        default: return [:]
        }
    }

    /// The neural level's learned field (nil for the other levels).
    var neuralField: NeuralField? {
        if case .neural(let f) = self { return NeuralField(f.model.predictor.dynamics) }
        return nil
    }

    /// The neural level's pair network (nil for other levels, before version 7, and when no
    /// object learned from another).
    var pairMessages: PairMessages? {
        guard case .neural(let f) = self, let pairs = f.model.predictor.pairs else { return nil }
        let m = PairMessages(pairs)
        return m.bodies.isEmpty ? nil : m
    }

    var lawUncertainties: [String: Double] {
        switch self {
        case .learned(let f): return f.model.predictor.uncertainties
        case .law(let f): return f.model.predictor.uncertainties
        default: return [:]
        }
    }

    mutating func code<C: BinaryCoder>(_ frame: inout [UInt8], coder: inout C, encoding: Bool) {
        switch self {
        case .intra(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .intra(f)
        case .temporal(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .temporal(f)
        case .motion(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .motion(f)
        case .learned(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .learned(f)
        case .neural(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .neural(f)
        case .law(var f): self = .vacant; f.code(&frame, coder: &coder, encoding: encoding); self = .law(f)
        case .vacant: preconditionFailure("a frame coder is coding already")
        }
    }
}

/// The calibration the predictors work in, read from the stream's scene metadata: pixels per
/// length unit, time units per frame and the time of frame 0 (1, 1, 0 without one).
public struct StreamCalibration: Sendable, Equatable {
    public var pxPerUnit = 1.0
    public var dt = 1.0
    public var startTime = 0.0

    public init(pxPerUnit: Double = 1, dt: Double = 1, startTime: Double = 0) {
        self.pxPerUnit = pxPerUnit
        self.dt = dt
        self.startTime = startTime
    }

    /// From scene.json bytes: `calibration.px_per_unit`, `frame_interval`, `start_time`; a
    /// missing or unusable value keeps its default.
    public init(scene: Data) {
        guard !scene.isEmpty, let object = try? JSONSerialization.jsonObject(with: scene) as? [String: Any] else { return }
        if let c = object["calibration"] as? [String: Any], let s = c["px_per_unit"] as? Double, s > 0, s.isFinite { pxPerUnit = s }
        if let d = object["frame_interval"] as? Double, d > 0, d.isFinite { dt = d }
        if let t = object["start_time"] as? Double, t.isFinite { startTime = t }
    }
}
