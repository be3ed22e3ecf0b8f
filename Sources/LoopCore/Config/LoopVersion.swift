/// The version of `loop`, printed by `loop version` and `--version`.
package enum LoopVersion {
    package static let current = "0.1.0"
}
