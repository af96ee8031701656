import Discovery
import Formulas

/// One law tried in the compressor: a pair of searched equations (a_x, a_y) made into a `Law`
/// whose constants the coder fits, with what the search and the coder said about it.
public struct LawCandidate: Sendable {
    public var ax: Candidate
    public var ay: Candidate
    /// The law as given to the coder (constants named, fitted online).
    public var law: Law
    /// The law as text (`ax = …; ay = …`), as the stream stores it.
    public var text: String { law.text }
    /// Symbolic-regression bits of the two equations (structure + constants + residuals of
    /// the measured accelerations) — for reference; the choice uses the stream.
    public var equationBits: Double
    /// The law's own description in bits (structure + constants, no residuals): what is
    /// compared among laws the stream cannot tell apart (`StreamChoice`). A law written per
    /// component pays for both formulas; a vector law (`VectorLaws`) for its terms once.
    public var descriptionBits: Double
    /// How the law was proposed: "components" (a pair of searched formulas), "isotropic" (one
    /// formula mirrored for the other axis) or "vector" (`VectorLaws`).
    public var form = "components"
    /// The stream cannot tell this law from the chosen one (`StreamChoice.choose`): it is in
    /// the chosen law's equivalence class on this video.
    public var equivalent = false
    /// Bits of the frames coded again with the named constants held at the values the coder
    /// ended with (`StreamChoice.challenger`); nil when not coded so.
    public var heldFrameBits: Double? = nil
    /// RMS residual of the law on the tracked accelerations relative to their RMS
    /// (`Proposals.misfit`; infinite until measured).
    public var misfit = Double.infinity
    /// Whole `.occ` file: header, scene.json, the law text, the frames given the law.
    public var streamBytes: Int
    /// False when the compressor abandoned the law: `streamBytes` is then the size its
    /// stream would at least have had, already more than a finished law's.
    public var finished = true
    public var frameBits: Double
    /// Bits of each frame (empty until coded, partial when abandoned).
    public var frameBitsPerFrame: [Double] = []
    public var constants: [String: Double]
    public var totalBits: Double { Double(streamBytes * 8) }
    /// Distinct named constants the coder fits.
    public var namedConstants: Int { law.names.count }
    /// The law with exact factors named too (`(6/5)*vy` → `k1*vy`; exponents stay exact):
    /// the form that can follow a constant across the runs of a sweep.
    public var template = ""

    public init(ax: Candidate, ay: Candidate, law: Law, equationBits: Double, streamBytes: Int = 0, frameBits: Double = 0,
                constants: [String: Double] = [:]) {
        self.ax = ax
        self.ay = ay
        self.law = law
        self.equationBits = equationBits
        descriptionBits = ax.bits.structure + ax.bits.constants + ay.bits.structure + ay.bits.constants
        self.streamBytes = streamBytes
        self.frameBits = frameBits
        self.constants = constants
    }

    /// The law of a pair of candidates with every fitted constant named (k1, k2, …; a shared
    /// constant keeps one name) so the coder fits them online; exact fractions stay literal.
    /// `sameConstants`: a mirrored pair, constant i the same in both. `freeFactors`: exact
    /// constants that are not exponents become fitted ones (the template).
    public static func law(ax: Candidate, ay: Candidate, shared: [[Joint.SharedConstant]], sameConstants: Bool = false,
                           freeFactors: Bool = false) -> Law {
        var ax = ax, ay = ay
        if freeFactors {
            for k in 0..<2 {
                var f = k == 0 ? ax.formula : ay.formula
                let exponents = Set(f.tokens.indices.filter { $0 > 0 && f.tokens[$0].op == .pow && f.tokens[$0 - 1].op == .constant }
                    .map { f.tokens[$0 - 1].index })
                f.fixedConstants.removeAll { !exponents.contains($0) }
                if k == 0 { ax.formula = f } else { ay.formula = f }
            }
        }
        var names: [[String?]] = [ax, ay].map { c in [String?](repeating: nil, count: c.formula.constantCount) }
        if sameConstants {
            for i in 0..<ax.formula.constantCount where !ax.formula.fixedConstants.contains(i) {
                names[0][i] = "k\(i + 1)"
                if i < names[1].count { names[1][i] = "k\(i + 1)" }
            }
        }
        var next = (names.flatMap { $0 }.compactMap { $0 }.count) + 1
        for group in shared {
            for m in group where m.target < 2 && m.constant < names[m.target].count { names[m.target][m.constant] = "k\(next)" }
            next += 1
        }
        for (t, c) in [ax, ay].enumerated() {
            for i in 0..<c.formula.constantCount where names[t][i] == nil && !c.formula.fixedConstants.contains(i) {
                names[t][i] = "k\(next)"
                next += 1
            }
        }
        return Law(formulas: [ax.formula, ay.formula], constantNames: names)
    }
}
