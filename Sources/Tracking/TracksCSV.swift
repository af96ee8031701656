import Foundation

extension TrackSet {
    /// The column names of `csv`, in order.
    public static let columns = ["object", "role", "frame", "t", "x", "y", "vx", "vy", "ax", "ay",
                                 "sigma_x", "sigma_y", "sigma_vx", "sigma_vy", "sigma_ax", "sigma_ay",
                                 "u_px", "v_px", "flux"]

    /// Tracks as CSV: a few `#` comment lines (origin, units, calibration), a header row, then one
    /// row per object per frame in which it was measured. Read it with `pandas.read_csv(path,
    /// comment="#")`; Occam's own table reader skips the comments too.
    public var csv: String {
        let c = calibration
        // Unnamed units (calibration flags without --length-unit/--time-unit) get symbolic names.
        let length = c.lengthUnit.isEmpty ? "L" : c.lengthUnit
        let time = c.timeUnit.isEmpty ? "T" : c.timeUnit
        let legend = (c.lengthUnit.isEmpty ? " (L: px_per_unit pixels)" : "") + (c.timeUnit.isEmpty ? " (T: the unit of dt)" : "")
        var lines: [String] = [
            "# occam tracks, version 1",
            "# origin: \(originDescription); x right, y up",
            "# units: length \(length), time \(time); velocities \(length)/\(time), accelerations \(length)/\(time)^2" + legend,
            "# calibration (\(c.source)): px_per_unit \(c.pxPerUnit), dt \(c.dt), t0 \(c.startTime)",
            (background.sigma < 0.5 ? String(format: "# background %.1f, noise below 0.5 grey levels (quantisation only)", background.level)
                : String(format: "# background %.1f, noise sigma %.2f grey levels", background.level, background.sigma))
                + String(format: "; %d frames of %dx%d", frameCount, imageSize.width, imageSize.height),
        ]
        if registrationShiftPx > 0 {
            lines.append(String(format: "# frames registered on the stars (RMS shift %.3f px): u_px, v_px are registered positions",
                                registrationShiftPx))
        }
        for t in tracks {
            let ended = (t.hiddenFrames > 0 ? "; hidden (merged or at the border) in \(t.hiddenFrames) frames" : "")
                + (t.endReason.map { "; ended: \($0)" } ?? "")
            lines.append(String(format: "# %@: %@, %d points, frames %d-%d, radius %.2f px, position noise %.4f px",
                                t.name, t.role.rawValue, t.samples.count, t.samples.first?.frame ?? 0,
                                t.samples.last?.frame ?? 0, t.radiusPx, t.noisePx) + ended)
        }
        lines.append(Self.columns.joined(separator: ","))
        func g(_ v: Double) -> String { v.isFinite ? "\(v)" : "" }
        for t in tracks {
            for s in t.samples {
                let values = [s.t, s.x, s.y, s.vx, s.vy, s.ax, s.ay, s.sigmaX, s.sigmaY, s.sigmaVX, s.sigmaVY,
                              s.sigmaAX, s.sigmaAY, s.u, s.v, s.flux]
                lines.append("\(t.name),\(t.role.rawValue),\(s.frame)," + values.map(g).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
