/// Codes short texts (the scene metadata, a law) bit by bit with a context-mixing model:
/// predictions from the byte contexts of order 0 to 4 (the last k bytes and the bits of the
/// current byte so far) are combined by a logistic mixer trained online, as in PAQ/lpaq. Before
/// the first byte every model has read `primer`, a made-up scene file in Occam's layout: a
/// preset dictionary of the format's keys and punctuation (its values are not those of any
/// shipped scenario), so the keys of a scene.json cost little and its numbers most.
///
/// All arithmetic is integer (tables for squash and stretch), so encoder and decoder agree on
/// every machine.
struct TextCoder {
    static let orders = 5
    static let tableBits = 17
    var tables: [[BitModel]]
    var weights: [[Int64]]
    var history: [UInt8] = []

    init() {
        tables = (0..<Self.orders).map { k in
            [BitModel](repeating: BitModel(), count: k == 0 ? 256 : 1 << Self.tableBits)
        }
        weights = [[Int64]](repeating: [Int64](repeating: 22_000, count: Self.orders + 1), count: 8 * 4)
        var trainer = DiscardingCoder()
        for byte in Self.primer.utf8 { _ = codeByte(Int(byte), coder: &trainer) }
    }

    /// Slot of the order-k context (k ≥ 1) for the partial byte `node` (1…255).
    @inline(__always) func slot(order k: Int, node: Int) -> Int {
        if k == 0 { return node }
        var h: UInt64 = UInt64(k) &* 0x9E37_79B9_7F4A_7C15
        let n = history.count
        for j in 0..<k {
            let byte = j < n ? UInt64(history[n - 1 - j]) : 0
            h = (h ^ byte) &* 0x100_0000_01B3
        }
        h = (h ^ UInt64(node)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(h >> UInt64(64 - Self.tableBits))
    }

    mutating func codeByte<C: BinaryCoder>(_ byte: Int, coder: inout C) -> Int {
        var node = 1
        let previous = history.last.map { Int($0) } ?? 0
        // The mixer's weights are chosen by the bit position and the class of the previous byte
        // (digit, letter, space or punctuation): numbers and keys mix differently.
        let kind = previous >= 48 && previous <= 57 ? 0 : (previous | 32) >= 97 && (previous | 32) <= 122 ? 1 : previous == 32 ? 2 : 3
        var slots = [Int](repeating: 0, count: Self.orders)
        var inputs = [Int64](repeating: 0, count: Self.orders + 1)
        for bit in stride(from: 7, through: 0, by: -1) {
            let set = (7 - bit) * 4 + kind
            for k in 0..<Self.orders {
                slots[k] = slot(order: k, node: node)
                inputs[k] = Int64(Stretch.stretch(Int(tables[k][slots[k]].p >> 4)))
            }
            inputs[Self.orders] = 256
            var dot: Int64 = 0
            for k in 0...Self.orders { dot += inputs[k] * weights[set][k] }
            let p12 = min(4095, max(1, Stretch.squash(Int(dot >> 16))))
            let b = coder.code((byte >> bit) & 1, p1: UInt32(p12) << 4)
            // Mixer: gradient step on coding cost; models: fast-adapting counts.
            let error = Int64((b << 12) - p12)
            for k in 0...Self.orders { weights[set][k] += (inputs[k] * error) >> 8 }
            for k in 0..<Self.orders { tables[k][slots[k]].update(b, limit: 30) }
            node = node * 2 + b
        }
        let decoded = node - 256
        history.append(UInt8(decoded))
        return decoded
    }

    /// A made-up scene in the layout of Occam's scene.json (sorted keys, two-space indent), with
    /// values unlike the shipped scenarios, plus a law line.
    static let primer = """
    {
      "G" : 6.674e-11,
      "bodies" : [
        {
          "brightness" : [
            180
          ],
          "charge" : -1.5,
          "mass" : 0.25,
          "name" : "moon",
          "radius_px" : 4,
          "role" : "planet"
        }
      ],
      "calibration" : {
        "centre" : [
          0.3,
          -1
        ],
        "origin_px" : [
          97,
          141
        ],
        "pixel_convention" : "pixel (i, j) covers [i, i+1) x [j, j+1); its centre is (i + 0.5, j + 0.5)",
        "px_per_unit" : 36,
        "y_axis" : "up"
      },
      "fields" : {
        "B" : [
          0,
          0,
          -3
        ],
        "E" : [
          1.25,
          0,
          0
        ]
      },
      "format" : "occam-scene",
      "frame_count" : 240,
      "frame_interval" : 0.125,
      "frame_pattern" : "frame_%05d.png",
      "image" : {
        "bit_depth" : 8,
        "channels" : 3,
        "height" : 180,
        "width" : 320
      },
      "integrator" : "rk4",
      "kind" : "gravity",
      "name" : "moons",
      "render" : {
        "background" : [
          12
        ],
        "noise_sigma" : 1.5,
        "seed" : 42,
        "trail_frames" : 3
      },
      "scenario_file" : "moons.yaml",
      "start_time" : 2.5,
      "substeps_per_frame" : 4,
      "units" : {
        "charge" : "C",
        "length" : "km",
        "mass" : "kg",
        "time" : "s"
      },
      "version" : 1
    }
    ax = -k*x/r^3 + c*vy; ay = -k*y/r^3 - c*vx
    """
}

/// A coder that codes nothing (trains models on known text).
struct DiscardingCoder: BinaryCoder {
    mutating func code(_ bit: Int, p1: UInt32) -> Int { bit }
}

/// lpaq's logistic tables in 12-bit fixed point: squash(d) = 4096/(1 + e^(−d/256)) by
/// interpolation, stretch its inverse.
enum Stretch {
    static let points: [Int] = [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546,
                                2047, 2549, 2994, 3348, 3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079,
                                4085, 4089, 4092, 4093, 4094]
    @inline(__always) static func squash(_ d: Int) -> Int {
        if d > 2047 { return 4095 }
        if d < -2047 { return 1 }
        let w = d & 127, i = (d >> 7) + 16
        return (points[i] * (128 - w) + points[i + 1] * w + 64) >> 7
    }
    static let table: [Int16] = {
        var t = [Int16](repeating: 2047, count: 4096)
        var pi = 0
        for x in -2047...2047 {
            let v = squash(x)
            if v >= pi {
                for i in pi...v { t[i] = Int16(x) }
                pi = v + 1
            }
        }
        return t
    }()
    @inline(__always) static func stretch(_ p: Int) -> Int { Int(table[min(4095, max(0, p))]) }
}
