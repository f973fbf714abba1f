import CLUEFuzzing

#if canImport(Glibc)
import Glibc
#endif

// SwiftPM links executables with `--defsym main=<module>_main`, so libFuzzer's own main() is never pulled in.
// This entry point takes its place, picks the property named by FUZZ_TARGET and hands control to libFuzzer.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

nonisolated(unsafe) var property: @Sendable (UnsafeBufferPointer<UInt8>) -> Void = FuzzTargets.clueDocument

@_cdecl("clue_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? "clue-xml"
    guard let chosen = FuzzTargets.all[name] else {
        print("FUZZ_TARGET must be one of: \(FuzzTargets.all.keys.sorted().joined(separator: ", "))")
        return 2
    }
    property = chosen
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        property(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
}
