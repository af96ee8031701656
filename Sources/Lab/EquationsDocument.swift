import Discovery
import Foundation

/// `equations.json`: what a discovery found — one Codable document for the three jobs that write
/// it (a table, a frame folder, a sweep) and the readers (`occam export`, a sweep's summary).
/// Keys are snake_case; fields a job does not fill are left out of the file; an uncertainty that
/// is not finite is written as `null`.
public struct EquationsDocument: Codable, Sendable {
    /// A discovered equation with its constants and description length.
    public struct Entry: Codable, Sendable {
        public struct Bits: Codable, Sendable {
            public var structure: Double
            public var constants: Double
            public var residuals: Double
        }
        public struct Constant: Codable, Sendable {
            public var name: String
            public var value: Double
            /// 1σ; nil when the Fisher information gives none (written as null).
            public var uncertainty: Double?
            /// Held at an exact rational value (a snapped exponent), not fitted.
            public var exact: Bool
            enum CodingKeys: String, CodingKey { case name, value, uncertainty, exact }
            public init(name: String, value: Double, uncertainty: Double?, exact: Bool) {
                self.name = name
                self.value = value
                self.uncertainty = uncertainty
                self.exact = exact
            }
            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(name, forKey: .name)
                try c.encode(value, forKey: .value)
                try c.encode(uncertainty, forKey: .uncertainty)   // null, not left out
                try c.encode(exact, forKey: .exact)
            }
        }
        public var target: String
        public var expression: String
        public var latex: String
        public var skeleton: String
        /// Postfix program (`Formula.program`): what `occam export` rebuilds the formula from.
        public var program: String
        public var variables: [String]
        public var complexity: Int
        public var loss: Double
        public var descriptionLengthBits: Double
        public var bits: Bits
        public var constants: [Constant]
        /// The table this equation belongs to, when several were searched together.
        public var dataset: String?
        /// The frame job's law as the stream stores it (`ax = …; ay = …`).
        public var lawText: String?
        /// Where a derived equation's data came from.
        public var source: String?

        enum CodingKeys: String, CodingKey {
            case target, expression, latex, skeleton, program, variables, complexity, loss
            case descriptionLengthBits = "description_length_bits", bits, constants, dataset
            case lawText = "law_text", source
        }

        /// The entry of a search's candidate for `target` over inputs `names`.
        public init(_ c: Candidate, names: [String], target: String) {
            self.target = target
            expression = c.formula.sympyString(names: names)
            latex = c.formula.latex(names: names)
            skeleton = c.formula.skeleton(names: names)
            program = c.formula.program
            variables = names
            complexity = c.complexity
            loss = c.mse
            descriptionLengthBits = c.bits.total
            bits = Bits(structure: c.bits.structure, constants: c.bits.constants, residuals: c.bits.residuals)
            constants = c.formula.constants.enumerated().map { i, v in
                Constant(name: "c\(i)", value: v, uncertainty: c.bits.uncertainties[i].isFinite ? c.bits.uncertainties[i] : nil,
                         exact: c.formula.fixedConstants.contains(i))
            }
        }
    }

    /// `source`: one table or frame folder, or the tables searched together.
    public enum Source: Codable, Sendable, Equatable {
        case one(String)
        case several([String])
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let list = try? c.decode([String].self) { self = .several(list) } else { self = .one(try c.decode(String.self)) }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .one(let s): try c.encode(s)
            case .several(let list): try c.encode(list)
            }
        }
    }

    /// Several tables, one structure: how their constants compare.
    public struct Datasets: Codable, Sendable {
        public struct Constant: Codable, Sendable {
            public var constant: String
            public var agreeWithin3Sigma: Bool
            public var weightedMean: Double
            public var uncertainty: Double?
            enum CodingKeys: String, CodingKey {
                case constant, agreeWithin3Sigma = "agree_within_3_sigma", weightedMean = "weighted_mean", uncertainty
            }
            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(constant, forKey: .constant)
                try c.encode(agreeWithin3Sigma, forKey: .agreeWithin3Sigma)
                try c.encode(weightedMean, forKey: .weightedMean)
                try c.encode(uncertainty, forKey: .uncertainty)
            }
        }
        public var selection: String
        public var descriptionLengthBits: Double
        public var bitsEachTableItsOwnBest: Double
        public var structuresCompared: Int
        public var constants: [Constant]
        enum CodingKeys: String, CodingKey {
            case selection, descriptionLengthBits = "description_length_bits"
            case bitsEachTableItsOwnBest = "bits_each_table_its_own_best", structuresCompared = "structures_compared", constants
        }
    }

    public struct SharedConstant: Codable, Sendable {
        public var target: String
        public var constant: String
    }

    /// A law the frame job coded: its stream size (exact, or a lower bound when abandoned).
    public struct LawCandidate: Codable, Sendable {
        public var law: String
        public var equationBits: Double
        public var template: String
        public var constants: [String: Double]
        public var streamBytes: Int?
        public var totalBits: Double?
        public var streamBytesAtLeast: Int?
        /// How the law was proposed (components, isotropic, vector) and its own description in
        /// bits (structure + constants).
        public var form: String?
        public var descriptionBits: Double?
        /// The stream cannot tell this law from the chosen one (one equivalence class).
        public var equivalent: Bool?
        /// Total frame bits with the law's constants held at the coder's final values (the
        /// hindsight comparison of `selection`; only the two laws it compared).
        public var frameBitsConstantsHeld: Double?
        /// Bits of each frame coded with this law (finished laws): what a sweep compares runs by.
        public var frameBits: [Double]?
        enum CodingKeys: String, CodingKey {
            case law, equationBits = "equation_bits", template, constants, streamBytes = "stream_bytes"
            case totalBits = "total_bits", streamBytesAtLeast = "stream_bytes_at_least"
            case form, descriptionBits = "description_bits", equivalent
            case frameBitsConstantsHeld = "frame_bits_constants_held", frameBits = "frame_bits"
        }
    }

    public struct Calibration: Codable, Sendable {
        public var pxPerUnit: Double
        public var frameInterval: Double
        public var startTime: Double
        public var source: String
        enum CodingKeys: String, CodingKey {
            case pxPerUnit = "px_per_unit", frameInterval = "frame_interval", startTime = "start_time", source
        }
    }

    public struct Orbit: Codable, Sendable {
        public var track: String
        public var a: Double
        public var e: Double
        public var T: Double
        public var turns: Double
        public var method: String
    }

    /// The laws the frames cannot tell from the chosen one (its equivalence class on this video).
    public struct Ambiguity: Codable, Sendable {
        public struct Member: Codable, Sendable {
            public var law: String
            /// RMS difference from the chosen law off the filmed states, relative to its RMS
            /// (absent when the law is undefined at some of them).
            public var offOrbitDifference: Double?
            enum CodingKeys: String, CodingKey { case law, offOrbitDifference = "off_orbit_difference" }
        }
        public var laws: [Member]
        public var why: String
        public var separateBy: String
        enum CodingKeys: String, CodingKey { case laws, why, separateBy = "separate_by" }
    }

    /// Bodies that act on each other: the pairwise law between the tracked objects.
    public struct Interaction: Codable, Sendable {
        public struct Strength: Codable, Sendable {
            public var object: String
            /// s_j (`sources`; absent for `pairs`, whose constants are in `pair_constants`).
            public var value: Double?
            public var uncertainty: Double?
            /// Mass relative to the first object, with 1σ (from the strengths, or from the third
            /// law for `pairs`).
            public var massRatio: Double
            public var massRatioUncertainty: Double?
            enum CodingKeys: String, CodingKey {
                case object, value, uncertainty, massRatio = "mass_ratio", massRatioUncertainty = "mass_ratio_uncertainty"
            }
        }
        public struct Alternative: Codable, Sendable {
            public var law: String
            public var coupling: String
            public var exponent: Double
            public var bits: Double
        }
        /// `a_i = Σ_j s_j·|r_j − r_i|^(p)·(r_j − r_i)` (or with c_ij).
        public var law: String
        /// "sources" (one strength per object), "pairs" (one constant per ordered pair) or "none".
        public var coupling: String
        public var exponent: Double
        public var exponentUncertainty: Double?
        public var exponentExact: Bool
        /// The objects in tracks.csv order (the reference body, if any, first).
        public var objects: [String]
        public var strengths: [Strength]
        /// c_ij row-major for `pairs`.
        public var pairConstants: [[Double]]?
        public var attractive: Bool?
        /// RMS over frames and axes of Σ_i m_i·a_i (measured accelerations, the law's masses)
        /// in units of its uncertainty from the tracker's σ: about 1 when Newton's third law
        /// holds with these masses; much larger when the masses (or the σ) are wrong.
        public var momentumCheck: Double?
        public var snapshots: Int
        public var bits: Double
        public var descriptionBits: Double
        public var noInteractionBits: Double?
        public var misfit: Double
        public var alternatives: [Alternative]
        /// Laws this video cannot tell from the chosen one (their frames cost the same within
        /// the frames' scatter); the chosen one has the shortest description.
        public var equivalent: [Alternative]
        /// What else acts on every object: "none", "uniform" (one g for all) or "per-object"
        /// (each object's own uniform field e_i and gyration ω_i·(v_i × ẑ)).
        public var field: String?
        /// `uniform`: [[g_x, g_y]]; `per-object`: one [e_x, e_y, ω] per object, tracks.csv order.
        public var fieldConstants: [[Double]]?
        public var fieldUncertainties: [[Double]]?
        /// "positions" (refitted by integrating the law over segments of frames) or
        /// "accelerations" (the refit failed; the tracker's derivatives).
        public var fittedOn: String
        public var note: String
        enum CodingKeys: String, CodingKey {
            case law, coupling, exponent, exponentUncertainty = "exponent_uncertainty", exponentExact = "exponent_exact", objects
            case strengths, pairConstants = "pair_constants", attractive, momentumCheck = "momentum_check", snapshots, bits
            case descriptionBits = "description_bits", noInteractionBits = "no_interaction_bits", misfit, alternatives, note
            case equivalent, fittedOn = "fitted_on", field, fieldConstants = "field_constants", fieldUncertainties = "field_uncertainties"
        }
    }

    /// One run of a sweep under the common law.
    public struct Run: Codable, Sendable {
        public var run: String
        public var quantities: [String: Double]
        public var constants: [String: Double]
        public var streamBytes: Int
        public var ownLaw: String
        public var ownStreamBytes: Int
        enum CodingKeys: String, CodingKey {
            case run, quantities, constants, streamBytes = "stream_bytes", ownLaw = "own_law", ownStreamBytes = "own_stream_bytes"
        }
    }

    public struct LawTried: Codable, Sendable {
        public var law: String
        public var totalStreamBytes: Int
        enum CodingKeys: String, CodingKey { case law, totalStreamBytes = "total_stream_bytes" }
    }

    public var format = "occam-equations"
    public var version = 1
    /// "sweep" for a sweep's summary; absent otherwise.
    public var kind: String?
    public var source: Source?
    public var variables: [String]
    public var variablesNote: String?
    public var origin: String?
    public var selection: String
    public var equations: [Entry]
    public var formulasEvaluated: Int?
    // several tables, several targets
    public var datasets: Datasets?
    public var sharedConstants: [[SharedConstant]]?
    public var jointDescriptionLengthBits: Double?
    public var jointBitsWithoutSharing: Double?
    // frames
    public var law: String?
    public var lawConstantsFittedByCoder: [String: Double]?
    public var streamBytes: Int?
    public var totalBits: Double?
    public var equationBits: Double?
    public var candidates: [LawCandidate]?
    /// The chosen law's equivalence class on this video, when it has other members.
    public var ambiguity: Ambiguity?
    /// The pairwise law between the tracked objects (two or more tracked together).
    public var interaction: Interaction?
    public var framesPath: String?
    public var calibration: Calibration?
    public var samples: Int?
    public var movingObjects: Int?
    public var derived: [Entry]?
    public var orbits: [Orbit]?
    public var orbitNotes: [String]?
    // sweeps
    public var totalStreamBytes: Int?
    public var runs: [Run]?
    public var lawsTried: [LawTried]?
    public var notes: [String]?

    enum CodingKeys: String, CodingKey {
        case format, version, kind, source, variables, variablesNote = "variables_note", origin, selection, equations
        case formulasEvaluated = "formulas_evaluated", datasets, sharedConstants = "shared_constants"
        case jointDescriptionLengthBits = "joint_description_length_bits", jointBitsWithoutSharing = "joint_bits_without_sharing"
        case law, lawConstantsFittedByCoder = "law_constants_fitted_by_coder", streamBytes = "stream_bytes"
        case totalBits = "total_bits", equationBits = "equation_bits", candidates, ambiguity, interaction, framesPath = "frames_path", calibration
        case samples, movingObjects = "moving_objects", derived, orbits, orbitNotes = "orbit_notes"
        case totalStreamBytes = "total_stream_bytes", runs, lawsTried = "laws_tried", notes
    }

    public init(source: Source?, variables: [String], selection: String, equations: [Entry]) {
        self.source = source
        self.variables = variables
        self.selection = selection
        self.equations = equations
    }

    /// The file's bytes: pretty-printed, keys sorted (stable diffs between runs).
    public func encoded() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// The JSON writer of Occam's documents (equations.json, ladder.json, export): pretty,
    /// keys sorted, slashes as they are.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Read `path`; the error names the file and what is wrong with it.
    public static func read(_ path: String) throws -> EquationsDocument {
        guard let data = FileManager.default.contents(atPath: path) else { throw LabError("\(path): not found") }
        do {
            let doc = try JSONDecoder().decode(EquationsDocument.self, from: data)
            guard doc.format == "occam-equations" else { throw LabError("\(path): format is '\(doc.format)', not occam-equations") }
            guard doc.version <= 1 else { throw LabError("\(path): version \(doc.version) is newer than this occam reads (1)") }
            return doc
        } catch let e as LabError {
            throw e
        } catch let DecodingError.keyNotFound(key, context) {
            throw LabError("\(path): not a valid equations.json (missing '\(Self.pathText(context.codingPath + [key]))')")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw LabError("\(path): not a valid equations.json ('\(Self.pathText(context.codingPath))' has the wrong type)")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw LabError("\(path): not a valid equations.json ('\(Self.pathText(context.codingPath))' is malformed)")
        } catch {
            throw LabError("\(path): not JSON")
        }
    }

    /// `equations[0].program` for a coding path.
    static func pathText(_ path: [CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }
}
