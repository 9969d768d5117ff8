#pragma once
// User-supplied text (model, layer and log names, titles, file names) written into another
// format: one escaping function per format, used everywhere that format is written. Each makes
// any byte string safe: it cannot end the string or field it is placed in, start markup, or make
// the document invalid. Standard library only.
#include <string>
#include <string_view>

namespace tenet::text {

// Terminal text (summary tables, error messages): control characters become visible escapes
// (\n, \t, \r, \x1B, \x7F), so a name cannot move the cursor, clear the screen or forge lines.
std::string printable(std::string_view s);
// printable(s) in double quotes, cut to `max_chars` bytes of input with "..." and the full
// length when longer (a name in a message or a table cell stays readable).
std::string quoted(std::string_view s, std::size_t max_chars = 200);
// printable(s) cut to at most `max_chars` characters of output, ending in "..." when cut.
std::string shortened(std::string_view s, std::size_t max_chars);

// Bytes that are not well-formed UTF-8 replaced by U+FFFD (Graphviz and XML parsers refuse them).
std::string valid_utf8(std::string_view s);

// The inside of a Graphviz DOT double-quoted string: \ and " escaped, line breaks as \n,
// other control characters shown as \xNN. With `record`, also the characters a record label
// gives a meaning to ({ } | < >), so a name stays one field of a shape=record node.
std::string dot(std::string_view s, bool record = false);

// XML character data or an attribute value (SVG): & < > " ' as entities; control characters
// that XML 1.0 forbids even as references replaced by U+FFFD.
std::string xml(std::string_view s);

// One CSV field (RFC 4180): quoted, with quotes doubled, when it holds the separator, a quote,
// a CR or an LF (or starts or ends with a space); as is otherwise.
std::string csv(std::string_view s, char separator = ',');

}  // namespace tenet::text
