/// The built-in prompt templates and role texts, from the embedded `templates/` folder.
///
/// The PM renders a user's `.loop/templates/*.txt` when present and these otherwise; the
/// role texts stand in when the user's repository has no `AGENTS.md` or role files of its
/// own. They are deliberately project-agnostic (loop-kit leaked its own project into every
/// user's prompt, its defect D13).
package enum EmbeddedTemplates {
    /// Worker prompt template (`templates/worker_prompt.txt`).
    package static let workerPrompt = embedded("templates/worker_prompt.txt")
    /// Reviewer prompt template (`templates/reviewer_prompt.txt`).
    package static let reviewerPrompt = embedded("templates/reviewer_prompt.txt")
    /// Generic project guidance used for `{agents_md}` when the repository has no AGENTS.md.
    package static let agentsFallback = embedded("templates/roles/AGENTS.md")
    /// Generic worker role used for `{role_md}` when the repository has no role file of its own.
    package static let codeWriterRole = embedded("templates/roles/code-writer.md")
    /// Generic reviewer role used for `{role_md}` when the repository has no role file of its own.
    package static let reviewerRole = embedded("templates/roles/reviewer.md")

    /// An embedded file that the build guarantees (EmbeddedFilesTests checks every path here).
    private static func embedded(_ path: String) -> String {
        guard let contents = EmbeddedFiles.all[path] else {
            preconditionFailure("\(path) is not embedded; run scripts/gen-embedded")
        }
        return contents
    }
}
