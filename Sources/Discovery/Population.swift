import Dispatch
import Formulas
import Foundation

extension Evolution {
    struct Population {
        var members: [Member]
        var oldest = 0
        var rng: SplitMix64
        var scorer: Scorer
        /// How often each size was born recently (decayed), for adaptive parsimony.
        var sizeCounts = [Double](repeating: 0, count: 64)
        var births = 0.0

        /// Fitness for tournaments: bits plus a penalty growing with how crowded the member's
        /// size is — PySR's adaptive parsimony (loss·exp(s·frequency)) written in bits, where a
        /// factor exp(s·f) on the error is (n/2)·log2(e)·s·f bits. It keeps small formulas
        /// alive as building blocks while large ones crowd in.
        func fitness(_ m: Member, scaling: Double) -> Double {
            let size = min(m.candidate.complexity, sizeCounts.count - 1)
            let frequency = births > 0 ? sizeCounts[size] / births : 0
            return m.bits + 0.5 * Double(scorer.target.count) * 1.4426950408889634 * scaling * frequency
        }

        mutating func born(_ size: Int) {
            sizeCounts[min(size, sizeCounts.count - 1)] += 1
            births += 1
            if births > 2000 {
                for i in sizeCounts.indices { sizeCounts[i] *= 0.5 }
                births *= 0.5
            }
        }
    }
}
