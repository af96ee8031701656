import Tracking

/// What the `profiles-2` and `profiles-3` appearances measure on clean frames (no sensor noise), where a drawn
/// object either reproduces the frame's pixels exactly or does not.
///
/// A disc sampled on a grid is piecewise constant in its centre: every centre in a cell — a
/// patch of some 7 × 7 to 16 × 16 steps of 1/1024 px on a 4×4-sampled disc of radius 2.5 —
/// draws the same pixels, so the frame tells which cell holds the object and nothing finer
/// (the encoder's debug counts, by hand: 13–14 bits per frame of corrections). Coding a correction
/// to one chosen member of the cell (profiles-1 sends its middle) pays for a position the frame
/// does not contain: some 6–7 bits per axis. Here the coder sends which cell, as its rank among
/// the distinct cells met walking outwards from the prediction (0: the prediction's own cell),
/// and both sides take the cell's centroid as the measured position the dynamics see — the
/// position's best estimate from this frame, and independent of the prediction, so a wrong law
/// cannot pull the measurements its way. A prediction good to a fraction of a cell codes in a
/// fraction of a bit.
extension MotionModel {
    /// How far (in 1/1024 px) the walk from the prediction looks for the object's cell; farther
    /// off, the rank is −1 and an explicit correction follows.
    static var cellReach: Int { cellReachSteps }

    /// Offsets within `cellReach` of the prediction, nearest first (ties by row, then column):
    /// the order both sides walk.
    static var cellWalk: [(Int, Int)] { cellWalkTable }

    /// The pixels a sprite's cells are compared over: its profile's window around the
    /// prediction, one pixel wider than any centre within `cellReach` needs.
    func cellWindow(_ sprite: Sprite) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        sprite.look.profile.window(u: sprite.u, v: sprite.v, margin: 1, geometry: geometry)
    }

    /// Code sprite `k`'s position as the rank of its cell (see the extension's note) and set its
    /// drawn centre (a member of the cell) and measured centre (the cell's centroid). The
    /// encoder (`original` given) walks outwards from the prediction and stops at the first cell
    /// that reproduces the frame's pixels in `window`; none within `cellReach` sends −1 and
    /// leaves `escape` true, and the caller codes an explicit correction.
    mutating func codeCell<C: BinaryCoder>(_ k: Int, window: (x0: Int, x1: Int, y0: Int, y1: Int), original: UnsafePointer<UInt8>?,
                                           coder: inout C, escape: inout Bool) {
        let sprite = sprites[k], look = sprite.look, q = Self.quantum
        var seen: [[Double]: Int] = [:]
        var shares: [Double] = []
        @inline(__always) func pattern(_ a: Int, _ b: Int) -> [Double] {
            look.profile.shares(u: sprite.u + Double(a) / q, v: sprite.v + Double(b) / q,
                                x0: window.x0, x1: window.x1, y0: window.y0, y1: window.y1, into: &shares)
            return shares
        }
        var rank = -1
        var member = (0, 0)
        if let original {
            for (a, b) in Self.cellWalk {
                let p = pattern(a, b)
                if seen[p] != nil { continue }
                seen[p] = seen.count
                if reproduces(p, look: look, window: window, frame: original) {
                    rank = seen[p]!
                    member = (a, b)
                    break
                }
            }
        }
        rank = cellRanks.code(rank, coder: &coder)
        guard rank >= 0 else {
            escape = true
            return
        }
        escape = false
        if original == nil {
            // The decoder walks the same way to the rank-th distinct cell.
            var found = false
            for (a, b) in Self.cellWalk {
                let p = pattern(a, b)
                if seen[p] != nil { continue }
                seen[p] = seen.count
                if seen.count == rank + 1 { member = (a, b); found = true; break }
            }
            // A rank past the walk's cells: a corrupt stream; draw the prediction.
            if !found { member = (0, 0) }
        }
        let (cu, cv) = cellCentroid(from: member, pattern: pattern(member.0, member.1)) { pattern($0, $1) }
        sprites[k].u = sprite.u + Double(member.0) / q
        sprites[k].v = sprite.v + Double(member.1) / q
        sprites[k].measured = (sprite.u + cu / q, sprite.v + cv / q)
    }

    /// Whether `look` drawn with `shares` over `window` predicts every pixel of `frame` there.
    func reproduces(_ shares: [Double], look: Look, window: (x0: Int, x1: Int, y0: Int, y1: Int), frame: UnsafePointer<UInt8>) -> Bool {
        let g = geometry
        var k = 0
        for y in window.y0...window.y1 {
            for x in window.x0...window.x1 {
                let f = shares[k]
                k += 1
                for c in 0..<g.channels {
                    let i = (y * g.width + x) * g.channels + c
                    if Self.quantise(mean[i] + f * look.brightness[c], rule: halfRule) != Int32(frame[i]) { return false }
                }
            }
        }
        return true
    }

    /// Centroid (in 1/1024 px from the prediction) of the cell holding `start`: the offsets
    /// 4-connected to it whose `pattern` is the same, within 256 steps and 4096 members.
    func cellCentroid(from start: (Int, Int), pattern cell: [Double], _ pattern: (Int, Int) -> [Double]) -> (Double, Double) {
        var visited: Set<Int> = [key(start)]
        var queue = [start], head = 0
        var su = 0.0, sv = 0.0
        while head < queue.count, head < 4096 {
            let (a, b) = queue[head]
            head += 1
            su += Double(a)
            sv += Double(b)
            for (na, nb) in [(a + 1, b), (a - 1, b), (a, b + 1), (a, b - 1)] where abs(na) <= 256 && abs(nb) <= 256 {
                guard visited.insert(key((na, nb))).inserted else { continue }
                if pattern(na, nb) == cell { queue.append((na, nb)) }
            }
        }
        return (su / Double(head), sv / Double(head))
    }

    @inline(__always) private func key(_ p: (Int, Int)) -> Int { (p.0 + 512) * 1024 + (p.1 + 512) }

    /// Whether the frame's prediction held every pixel of detection `d`'s box grown by one.
    func reproduced(_ d: Detection, frame: [UInt8]) -> Bool {
        let g = geometry
        for y in max(0, d.minY - 1)...min(g.height - 1, d.maxY + 1) {
            for x in max(0, d.minX - 1)...min(g.width - 1, d.maxX + 1) {
                for c in 0..<g.channels {
                    let i = (y * g.width + x) * g.channels + c
                    if predictedInt[i] != Int32(frame[i]) { return false }
                }
            }
        }
        return true
    }

    /// Tally how the decoded pixels whose predicted value was exactly x.5 (rows with objects)
    /// rounded, and take the rule with the most votes (ties: up, then down).
    mutating func voteOnHalves(_ frame: [UInt8]) {
        let g = geometry
        for y in 0..<g.height where objectRows[y] > 0 {
            for i in (y * g.rowStride)..<((y + 1) * g.rowStride) {
                let p = predicted[i], low = p.rounded(.down)
                guard p - low == 0.5, p > 0.5, p < 254.5 else { continue }
                let value = Double(frame[i])
                if value == low + 1 { halfVotes[0] += 1 }
                if value == low { halfVotes[1] += 1 }
                if value == (low.truncatingRemainder(dividingBy: 2) == 0 ? low : low + 1) { halfVotes[2] += 1 }
            }
        }
        let most = halfVotes.max()!
        halfRule = halfVotes.firstIndex(of: most)!
    }

    /// A predicted value as the coder takes it: clipped to 0…255 and rounded — x.5 up (rule 0,
    /// as stream versions 3 and 4 with `disc` and `profiles-1`), down (1) or to even (2).
    @inline(__always)
    static func quantise(_ value: Double, rule: Int) -> Int32 {
        let v = min(255, max(0, value))
        switch rule {
        case 1: return Int32((v - 0.5).rounded(.up))
        case 2: return Int32(v.rounded(.toNearestOrEven))
        default: return Int32(v + 0.5)
        }
    }

    /// Per channel, the median level above the static scene of the pixels `shares` covers fully
    /// (saturated ones left out): a rim pixel taken for a covered one does not pull it.
    func medianInterior(_ shares: [Double], window: (x0: Int, x1: Int, y0: Int, y1: Int), frame: UnsafePointer<UInt8>) -> [Double]? {
        let g = geometry
        var values = [[Double]](repeating: [], count: g.channels), k = 0
        for y in window.y0...window.y1 {
            for x in window.x0...window.x1 {
                let f = shares[k]
                k += 1
                guard f == 1 else { continue }
                for c in 0..<g.channels {
                    let i = (y * g.width + x) * g.channels + c
                    if frame[i] != 255 { values[c].append(Double(frame[i]) - mean[i]) }
                }
            }
        }
        guard values.allSatisfy({ !$0.isEmpty }) else { return nil }
        return values.map(median)
    }
}

private let cellReachSteps = 48
private let cellWalkTable: [(Int, Int)] = {
    let r = cellReachSteps
    var offsets: [(Int, Int)] = []
    for b in -r...r { for a in -r...r where a * a + b * b <= r * r { offsets.append((a, b)) } }
    return offsets.sorted { x, y in
        let dx = x.0 * x.0 + x.1 * x.1, dy = y.0 * y.0 + y.1 * y.1
        return dx != dy ? dx < dy : x.1 != y.1 ? x.1 < y.1 : x.0 < y.0
    }
}()
