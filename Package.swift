// swift-tools-version:6.0
// Occam: discover physical laws from video by compression.
// Targets follow the data flow: PNG shim → Physics → Render → Tracking → Formulas → Codec, Discovery → Choice → Lab (jobs) → occam (CLI).
import PackageDescription

// The test suite runs the numeric stages on real frames: unoptimised, the suite took 529 s on two
// cores; with the library targets compiled with -O in debug builds (`swift test`) too, 110 s. Set
// OCCAM_DEBUG_ONONE=1 for a build that single-steps in a debugger.
let optimised: [SwiftSetting] = Context.environment["OCCAM_DEBUG_ONONE"] == nil
    ? [.unsafeFlags(["-O"], .when(configuration: .debug))] : []

let package = Package(
    name: "Occam",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "occam", targets: ["occam"]),
        .library(name: "Physics", targets: ["Physics"]),
        .library(name: "Render", targets: ["Render"]),
        .library(name: "Tracking", targets: ["Tracking"]),
        .library(name: "Codec", targets: ["Codec"]),
        .library(name: "Formulas", targets: ["Formulas"]),
        .library(name: "Discovery", targets: ["Discovery"]),
        .library(name: "Choice", targets: ["Choice"]),
        .library(name: "Lab", targets: ["Lab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpng as found by pkg-config; no Swift API of its own.
        .systemLibrary(
            name: "CLibPNG", path: "Sources/CLibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        // C shim that owns every setjmp/longjmp of libpng, plus the zlib calls APNG needs.
        .target(
            name: "CPNGShim", dependencies: ["CLibPNG"], path: "Sources/CPNGShim",
            linkerSettings: [.linkedLibrary("z")]),
        // Units, vectors, bodies, forces and integrators. No dependencies.
        .target(name: "Physics", swiftSettings: optimised),
        // Camera, anti-aliased rasteriser, PNG read/write, APNG and video export.
        .target(name: "Render", dependencies: ["CPNGShim", "Physics"], swiftSettings: optimised),
        // Detection, sub-pixel centroids, association, calibration and derivatives.
        .target(name: "Tracking", dependencies: ["Render"], swiftSettings: optimised),
        // Formulas and laws: the postfix formula program, its evaluator, parser and printers,
        // physical units, and the `Law` value every stage after tracking passes on. No search.
        .target(name: "Formulas", swiftSettings: optimised),
        // Lossless frame-stream coder: range coder, ladder of pixel models, .occ container.
        .target(name: "Codec", dependencies: ["Render", "Tracking", "Formulas"], swiftSettings: optimised),
        // Symbolic regression: enumeration, evolution, constant fitting, description length.
        .target(name: "Discovery", dependencies: ["Formulas"], swiftSettings: optimised),
        // Which laws to code and which one wins: proposals from the searches' fronts (pairs,
        // isotropic mirrors, snapped exponents, one per function) and the shortest-stream choice.
        .target(name: "Choice", dependencies: ["Formulas", "Discovery", "Codec", "Render"], swiftSettings: optimised),
        // Jobs that join the stages: scenario files, simulate, video.
        .target(name: "Lab", dependencies: ["Physics", "Render", "Tracking", "Formulas", "Codec", "Discovery", "Choice", .product(name: "Yams", package: "Yams")],
            swiftSettings: optimised),
        // Argument parsing only.
        .executableTarget(
            name: "occam",
            dependencies: ["Lab", "Tracking", "Formulas", "Codec", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // libFuzzer target for the stream decoder (replays files when built without -DFUZZING).
        .executableTarget(name: "occam-fuzz-decoder", dependencies: ["Codec"], path: "Sources/OccamFuzz"),
        // What the test suites share: seeded generators, and the independent checkers (Pillow,
        // SymPy, ffmpeg) a test is skipped without, or fails without under OCCAM_REQUIRE_TOOLS=1.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "PhysicsTests", dependencies: ["Physics", "TestSupport"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Physics", "TestSupport"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "Render", "TestSupport"]),
        .testTarget(name: "CodecTests", dependencies: ["Codec", "Render", "Tracking", "Formulas", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "FormulasTests", dependencies: ["Formulas", "TestSupport"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery", "Formulas", "TestSupport"]),
        .testTarget(name: "ChoiceTests", dependencies: ["Choice", "Discovery", "Formulas", "TestSupport"]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Render", "Physics", "Tracking", "Formulas", "Discovery", "Choice", "TestSupport"]),
    ]
)
