/// The neural level's pretrained starts: weights made by `occam train` and shipped in the
/// source (`NeuralPriorWeights.swift`, generated, with the command that made them). A released
/// start never changes: streams that name it decode only with its exact bits.
enum NeuralPrior {
    static let prior1: Perceptron = {
        guard let p = NeuralPretraining.decode(prior1Base64), p.count == Perceptron.parameterCount(prior1Sizes),
              prior1Sizes == NeuralDynamics.sizes
        else { preconditionFailure("NeuralPriorWeights.swift does not hold a \(NeuralDynamics.sizes) network") }
        return Perceptron(sizes: prior1Sizes, parameters: p)
    }()
}
