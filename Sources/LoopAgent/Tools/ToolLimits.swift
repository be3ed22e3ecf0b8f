/// Size limits of the tools, so one call can never flood a small model's context window.
///
/// Defaults follow small-model harness practice (see peers.md §E): a few KiB per result,
/// head and tail kept when more comes back.
package struct ToolLimits: Sendable, Equatable {
    /// Largest tool result in bytes; longer results keep head and tail and say what was cut.
    package var outputBytes: Int
    /// Most entries `list_dir` shows.
    package var listEntries: Int
    /// Most matches `search` reports.
    package var searchHits: Int
    /// Most files `search` reads before it stops.
    package var searchFiles: Int
    /// Largest file `search` reads; larger ones are skipped and counted.
    package var searchFileBytes: Int
    /// Largest file `read_file` and `edit_file` accept.
    package var readFileBytes: Int
    /// Longest line shown by `search` (longer lines are cut).
    package var lineCharacters: Int

    package init(
        outputBytes: Int = 8 * 1024, listEntries: Int = 200, searchHits: Int = 100, searchFiles: Int = 20_000,
        searchFileBytes: Int = 1024 * 1024, readFileBytes: Int = 2 * 1024 * 1024, lineCharacters: Int = 240
    ) {
        self.outputBytes = outputBytes
        self.listEntries = listEntries
        self.searchHits = searchHits
        self.searchFiles = searchFiles
        self.searchFileBytes = searchFileBytes
        self.readFileBytes = readFileBytes
        self.lineCharacters = lineCharacters
    }
}
