import Foundation
import Render

/// Pretraining of the neural level's hidden layers on many videos (`occam train`): the network
/// the coder would train online, trained beforehand at the states the coder itself learned at
/// on a corpus of videos (`NeuralField`; `TrainJob` pairs them with the true accelerations), so
/// that a stream starting from these weights begins with features learned from many scenes.
///
/// Each step takes one video (a task), fits the readout to that video's samples by ridge least
/// squares (as the coder does) and moves the hidden layers by Adam along the gradient of what
/// that readout leaves — features good for every task under its own readout ("variable
/// projection", multi-task). The readout is not part of the prior: each stream fits its own.
public enum NeuralPretraining {
    /// One video's samples: states (x, y, vx, vy in px and px/frame, y up, from the reference
    /// body) and the accelerations there (px/frame²).
    public struct Task: Sendable {
        public var states: [[Double]]
        public var accelerations: [[Double]]
        public init(states: [[Double]], accelerations: [[Double]]) {
            self.states = states
            self.accelerations = accelerations
        }
    }

    public struct Result: Sendable {
        /// The network's layer sizes and parameters (readout zero).
        public var sizes: [Int]
        public var parameters: [Double]
        /// Per evaluation: step, mean relative misfit (task's own readout) on the training tasks
        /// and on the held-out tasks.
        public var history: [(step: Int, train: Double, heldOut: Double)]
    }

    /// Mean over `tasks` of RMS(network − target)/RMS(target), each with its own readout.
    static func misfit(_ network: Perceptron, _ tasks: [(inputs: [[Double]], targets: [[Double]])]) -> Double {
        var total = 0.0
        for t in tasks {
            var n = network
            guard NeuralDynamics.solveReadout(&n, inputs: t.inputs, targets: t.targets) else { total += 1; continue }
            var e = 0.0, s = 0.0
            for (i, y) in zip(t.inputs, t.targets) {
                let o = n(i)
                e += (o[0] - y[0]) * (o[0] - y[0]) + (o[1] - y[1]) * (o[1] - y[1])
                s += y[0] * y[0] + y[1] * y[1]
            }
            total += s > 0 ? (e / s).squareRoot() : 0
        }
        return total / Double(max(1, tasks.count))
    }

    /// Train from the online start's weights for `steps` steps on `tasks` (every tenth held out
    /// for the history), `batch` samples per step, seeded.
    public static func train(_ tasks: [Task], steps: Int, batch: Int = 128, rate: Double = 3e-3, seed: UInt64,
                             hidden: Int? = nil, progress: (Int) -> Void = { _ in }) -> Result {
        // the shipped size from the online start's weights; another width from its own seed
        let sizes = hidden.map { [4, $0, $0, 2] } ?? NeuralDynamics.sizes
        let prepared = tasks.map { t in
            (inputs: t.states.map { NeuralDynamics.input($0[0], $0[1], $0[2], $0[3]) },
             targets: t.accelerations.map { [$0[0] * NeuralDynamics.outputScale, $0[1] * NeuralDynamics.outputScale] })
        }.filter { $0.inputs.count >= 2 * (sizes[sizes.count - 2] + 1) }
        let heldOut = prepared.indices.filter { $0 % 10 == 9 }.map { prepared[$0] }
        let training = prepared.indices.filter { $0 % 10 != 9 }.map { prepared[$0] }
        var network = hidden == nil ? NeuralDynamics(start: .online).network : Perceptron(sizes: sizes, seed: 0x0CCA_0001)
        var adam = Adam(count: network.parameters.count, rate: rate)
        var random = SplitMix64(seed: seed)
        let readout = network.offset(network.sizes.count - 1)
        var history: [(Int, Double, Double)] = [(0, misfit(network, training), misfit(network, heldOut))]
        guard !training.isEmpty else { return Result(sizes: network.sizes, parameters: network.parameters, history: history) }
        for step in 1...max(1, steps) {
            let task = training[random.next(below: training.count)]
            let picks = (0..<min(batch, task.inputs.count)).map { _ in random.next(below: task.inputs.count) }
            var fitted = network
            guard NeuralDynamics.solveReadout(&fitted, inputs: task.inputs, targets: task.targets) else { continue }
            var gradient = [Double](repeating: 0, count: network.parameters.count)
            for k in picks { fitted.accumulateGradient(task.inputs[k], target: task.targets[k], into: &gradient) }
            for k in readout..<gradient.count { gradient[k] = 0 }
            for k in 0..<readout { gradient[k] /= Double(picks.count) }
            var next = fitted.parameters
            adam.step(&next, gradient: gradient)
            if next.allSatisfy(\.isFinite) { network.parameters = next }
            if step % max(1, steps / 10) == 0 || step == steps {
                history.append((step, misfit(network, training), misfit(network, heldOut)))
            }
            progress(step)
        }
        for k in readout..<network.parameters.count { network.parameters[k] = 0 }
        return Result(sizes: network.sizes, parameters: network.parameters, history: history)
    }

    /// Parameters as base64 of their little-endian IEEE bit patterns (exact), and back.
    public static func encode(_ parameters: [Double]) -> String {
        var bytes: [UInt8] = []
        for p in parameters { withUnsafeBytes(of: p.bitPattern.littleEndian) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }

    static func decode(_ text: String) -> [Double]? {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), data.count % 8 == 0 else { return nil }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 8).map { o in
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[o + k]) << (8 * k) }
            return Double(bitPattern: bits)
        }
    }
}

/// Bits of a stream coded with a network given in memory — for measuring how the neural level
/// scales with the network's size and its pretraining (`occam train --scaling`). Such a coding
/// is never written: its stream would name a start no decoder has. The round trip is checked
/// in memory with the same network.
public enum NeuralScaling {
    /// Hidden width of the shipped starts' network.
    public static var shippedWidth: Int { NeuralDynamics.sizes[1] }
    /// Parameters of a 4-w-w-2 network.
    public static func parameterCount(width: Int) -> Int { Perceptron.parameterCount([4, width, width, 2]) }

    /// Weights: layer sizes and parameters (as `NeuralPretraining.Result` gives them), or nil
    /// for a network of the given hidden width from the online start's seed. Returns the
    /// stream's bytes and the network as coding left it (for distilling its law).
    public static func code(frames: [[UInt8]], geometry: Geometry, sizes: [Int], parameters: [Double]?,
                            pretrained: Bool) throws -> (bytes: Int, field: NeuralField?) {
        let network = parameters.map { Perceptron(sizes: sizes, parameters: $0) } ?? Perceptron(sizes: sizes, seed: 0x0CCA_0001)
        let rate = pretrained ? NeuralDynamics.fineTuningRate : NeuralDynamics.rate
        func coder() -> AnyFrameCoder {
            .neural(FrameCoder(model: MotionModel(geometry: geometry, predictor: NeuralPredictor(network: network, rate: rate)), geometry: geometry))
        }
        // (discs only, as the coder below draws them and as bench/scaling measured)
        var writer = try StreamWriter(geometry: geometry, frameCount: frames.count, model: .neural, scene: Data(), appearance: .disc)
        writer.coder = coder()
        for f in frames { try writer.append(f) }
        let field = writer.neuralField
        _ = try writer.finish()
        var reader = try StreamReader(bytes: writer.bytes)
        reader.coder = coder()
        for (k, f) in frames.enumerated() where try reader.next() != f {
            throw CodecError("neural scaling: frame \(k) did not round-trip")
        }
        return (writer.bytes.count, field)
    }
}
