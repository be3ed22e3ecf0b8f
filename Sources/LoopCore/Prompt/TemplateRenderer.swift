/// Fills `{placeholder}`s in a prompt template.
///
/// Only known names are replaced, in one pass: other braces (JSON examples in a template,
/// code in an inserted diff) are left exactly as they are, so templates need no escaping and
/// inserted text is never re-expanded.
package enum TemplateRenderer {
    package static func render(_ template: String, values: [String: String]) -> String {
        var output = ""
        output.reserveCapacity(template.utf8.count)
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "{", let close = template[index...].firstIndex(of: "}") {
                let name = String(template[template.index(after: index)..<close])
                if let value = values[name] {
                    output += value
                    index = template.index(after: close)
                    continue
                }
            }
            output.append(character)
            index = template.index(after: index)
        }
        return output
    }
}
