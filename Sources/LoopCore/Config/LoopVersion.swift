/// The version of `loop`, printed by `loop version` and `--version`.
public enum LoopVersion {
    public static let current = "0.1.0"
}
