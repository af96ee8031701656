import Render

/// A small multilayer perceptron in plain double-precision arithmetic: the neural level's
/// network. Encoder and decoder train it identically, so every operation here is part of the
/// stream format: only +, −, ×, ÷ and √ (IEEE 754 rounds them exactly, on every machine; a libm
/// function such as tanh or exp may differ by an ulp between systems, and a network trained on
/// an ulp's difference drifts apart), sums in a fixed order, one thread. Golden streams check it.
///
/// Activation: φ(z) = z·(1 + z/√(1+z²))/2, a smooth rectifier (like SiLU, without exp).
struct Perceptron: Sendable, Equatable {
    /// Units per layer, inputs first (e.g. [4, 24, 24, 2]).
    let sizes: [Int]
    /// Per layer l (l ≥ 1): weights (sizes[l] × sizes[l−1], row-major), then biases.
    var parameters: [Double]

    /// Fresh weights from `seed`: uniform in ±√(3/fan-in) (unit variance through each layer),
    /// biases 0.
    init(sizes: [Int], seed: UInt64) {
        self.sizes = sizes
        var random = SplitMix64(seed: seed)
        var p: [Double] = []
        for l in 1..<sizes.count {
            let scale = (3 / Double(sizes[l - 1])).squareRoot()
            for _ in 0..<(sizes[l] * sizes[l - 1]) { p.append(scale * (2 * random.nextHalfOpenUnit() - 1)) }
            p += Array(repeating: 0, count: sizes[l])
        }
        parameters = p
    }

    init(sizes: [Int], parameters: [Double]) {
        self.sizes = sizes
        self.parameters = parameters
    }

    static func parameterCount(_ sizes: [Int]) -> Int {
        (1..<sizes.count).reduce(0) { $0 + sizes[$1] * sizes[$1 - 1] + sizes[$1] }
    }

    /// Offset of layer l's weights in `parameters`.
    func offset(_ l: Int) -> Int { (1..<l).reduce(0) { $0 + sizes[$1] * sizes[$1 - 1] + sizes[$1] } }

    @inline(__always) static func activation(_ z: Double) -> Double { 0.5 * z * (1 + z / (1 + z * z).squareRoot()) }
    @inline(__always) static func slope(_ z: Double) -> Double {
        let q = 1 + z * z, s = q.squareRoot()
        return 0.5 + (2 * z + z * z * z) / (2 * s * q)
    }

    /// Every layer's values for one input: [input, φ(hidden 1), …, output] (the output layer is
    /// linear), and the pre-activations of the hidden layers.
    func forward(_ input: [Double]) -> (values: [[Double]], pre: [[Double]]) {
        var values = [input], pre: [[Double]] = []
        var o = 0
        for l in 1..<sizes.count {
            let m = sizes[l], n = sizes[l - 1]
            let x = values[l - 1]
            var z = [Double](repeating: 0, count: m)
            for i in 0..<m {
                var s = parameters[o + m * n + i]
                for j in 0..<n { s += parameters[o + i * n + j] * x[j] }
                z[i] = s
            }
            o += m * n + m
            if l == sizes.count - 1 {
                values.append(z)
            } else {
                pre.append(z)
                values.append(z.map(Self.activation))
            }
        }
        return (values, pre)
    }

    func callAsFunction(_ input: [Double]) -> [Double] { forward(input).values[sizes.count - 1] }

    /// The last hidden layer's values (the readout's features).
    func features(_ input: [Double]) -> [Double] { forward(input).values[sizes.count - 2] }

    /// Add ∂(½‖output − target‖²)/∂parameters for one example to `gradient`.
    func accumulateGradient(_ input: [Double], target: [Double], into gradient: inout [Double]) {
        let (values, pre) = forward(input)
        let last = sizes.count - 1
        var delta = (0..<sizes[last]).map { values[last][$0] - target[$0] }
        for l in stride(from: last, through: 1, by: -1) {
            let m = sizes[l], n = sizes[l - 1], o = offset(l)
            let x = values[l - 1]
            for i in 0..<m {
                let d = delta[i]
                for j in 0..<n { gradient[o + i * n + j] += d * x[j] }
                gradient[o + m * n + i] += d
            }
            guard l > 1 else { break }
            var back = [Double](repeating: 0, count: n)
            for j in 0..<n {
                var s = 0.0
                for i in 0..<m { s += parameters[o + i * n + j] * delta[i] }
                back[j] = s * Self.slope(pre[l - 2][j])
            }
            delta = back
        }
    }
}

/// Adam (Kingma & Ba) on a parameter vector, with the bias corrections' powers of β kept as
/// running products (no pow: see `Perceptron`).
struct Adam: Sendable {
    var rate: Double
    let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    var m: [Double], v: [Double]
    var beta1Power = 1.0, beta2Power = 1.0

    init(count: Int, rate: Double) {
        self.rate = rate
        m = Array(repeating: 0, count: count)
        v = Array(repeating: 0, count: count)
    }

    mutating func step(_ parameters: inout [Double], gradient: [Double]) {
        beta1Power *= beta1
        beta2Power *= beta2
        let c1 = 1 - beta1Power, c2 = 1 - beta2Power
        for k in parameters.indices {
            m[k] = beta1 * m[k] + (1 - beta1) * gradient[k]
            v[k] = beta2 * v[k] + (1 - beta2) * gradient[k] * gradient[k]
            parameters[k] -= rate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
        }
    }
}
