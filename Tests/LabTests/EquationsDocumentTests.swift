@testable import Discovery
import Formulas
import Foundation
import TestSupport
import Testing
@testable import Lab

/// equations.json is what users' scripts and a sweep's summary read back: it must read back to
/// the same values, keep its keys (snake_case, null for a missing uncertainty), and a broken
/// file must be named with the field that is wrong.
@Suite struct EquationsDocumentTests {
    func sample() throws -> EquationsDocument {
        let parsed = try Formula.parse("k*x/r^3", variables: ["x", "r"])
        var formula = parsed.formula
        formula.constants = [-39.47, 3]
        formula.fixedConstants = [1]
        let bits = DescriptionLength.Parts(total: -267.5, structure: 12, constants: 20.5, residuals: -300, uncertainties: [0.01, .infinity])
        let candidate = Candidate(formula: formula, mse: 1e-6, bits: bits)
        var doc = EquationsDocument(source: .one("frames/kepler"), variables: ["x", "r"], selection: "test",
                                    equations: [EquationsDocument.Entry(candidate, names: ["x", "r"], target: "ax")])
        doc.law = "ax = k*x/r^3; ay = k*y/r^3"
        doc.candidates = [EquationsDocument.LawCandidate(law: "ax = 0; ay = 0", equationBits: 3, template: "ax = 0; ay = 0",
                                                         constants: [:], streamBytes: nil, totalBits: nil, streamBytesAtLeast: 900)]
        return doc
    }

    @Test func readsBackWhatItWrites() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = try sample().encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"uncertainty\" : null"), "a missing uncertainty is written as null")
        #expect(text.contains("\"description_length_bits\"") && text.contains("\"stream_bytes_at_least\" : 900"))
        #expect(!text.contains("\"stream_bytes\""), "an abandoned law has no exact size")
        try data.write(to: URL(fileURLWithPath: "\(dir)/equations.json"))
        let back = try EquationsDocument.read("\(dir)/equations.json")
        let law = try sample().law
        #expect(back.source == .one("frames/kepler") && back.law == law)
        let e = back.equations[0]
        #expect(e.constants.map(\.value) == [-39.47, 3] && e.constants.map(\.exact) == [false, true])
        #expect(e.constants[0].uncertainty == 0.01 && e.constants[1].uncertainty == nil)
        // export rebuilds the same function from it
        let eqs = try ExportJob.equations(runFolder: dir)
        #expect(eqs[0].formula.evaluate([[2.0], [2.0]], rows: 1)[0] == -39.47 * 2 / 8)
    }

    @Test func brokenFilesAreNamedWithTheField() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/equations.json"
        var json = try JSONSerialization.jsonObject(with: try sample().encoded()) as! [String: Any]
        var equations = json["equations"] as! [[String: Any]]
        equations[0].removeValue(forKey: "program")
        json["equations"] = equations
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        #expect { _ = try EquationsDocument.read(path) } throws: { "\($0)" == "\(path): not a valid equations.json (missing 'equations[0].program')" }
        equations[0]["program"] = 7
        json["equations"] = equations
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        #expect { _ = try EquationsDocument.read(path) } throws: { "\($0)".contains("'equations[0].program' has the wrong type") }
        try Data("{".utf8).write(to: URL(fileURLWithPath: path))
        #expect { _ = try EquationsDocument.read(path) } throws: { "\($0)" == "\(path): not JSON" }
        json["version"] = 2
        equations[0]["program"] = "x0"
        json["equations"] = equations
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        #expect { _ = try EquationsDocument.read(path) } throws: { "\($0)".contains("version 2 is newer") }
    }
}
