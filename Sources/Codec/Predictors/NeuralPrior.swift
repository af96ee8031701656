/// The neural level's pretrained starts: weights made by `occam train` and shipped in the
/// source (`NeuralPriorWeights.swift`, generated, with the command that made them). A released
/// start never changes: streams that name it decode only with its exact bits. prior-1 is the
/// network's hidden layers; prior-2 adds the gate that measures the network's samples.
enum NeuralPrior {
    static let prior1: Perceptron = {
        guard let p = NeuralPretraining.decode(prior1Base64), p.count == Perceptron.parameterCount(prior1Sizes),
              prior1Sizes == NeuralDynamics.sizes
        else { preconditionFailure("NeuralPriorWeights.swift does not hold a \(NeuralDynamics.sizes) network") }
        return Perceptron(sizes: prior1Sizes, parameters: p)
    }()

    /// prior-2's sample gate, fitted by `occam train` (`SampleGate.fit`).
    static let gate2: SampleGate = {
        guard let w = NeuralPretraining.decode(prior2GateBase64), w.count == SampleGate.bounds.count + 1
        else { preconditionFailure("NeuralPriorWeights.swift does not hold a gate of \(SampleGate.bounds.count + 1) weights") }
        return SampleGate(weights: w)
    }()
}
