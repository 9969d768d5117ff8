#include <tenet/core/base/error.hpp>

#include <algorithm>
#include <atomic>
#include <sstream>

#include "core/base/text_escape.hpp"
#include "core/base/user_call.hpp"

namespace tenet {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::build: return "build";
    case Phase::run: return "run";
    case Phase::load: return "load";
  }
  return "?";
}

static std::string basename_of(const char* path) {
  std::string s = path ? path : "";
  auto slash = s.find_last_of('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

Site::Site(std::string n, std::string t, const std::source_location& loc)
    : name(std::move(n)), type(std::move(t)) {
  if (const std::string* o = current_origin()) origin = *o;  // made by a file's reader
  else file = basename_of(loc.file_name()), line = loc.line();
}

Site Site::call(std::string n, std::string t, const std::source_location& loc) {
  Site s(std::move(n), std::move(t));
  s.call_file = basename_of(loc.file_name());
  s.call_line = loc.line();
  return s;
}

std::string Site::str() const {
  // A name is the user's text: a control character in it (a NUL, an escape sequence) is shown
  // escaped, so it can neither cut the message short nor act on the terminal.
  std::string s = "'" + text::printable(name) + "' (" + text::printable(type) + ")";
  if (!origin.empty()) s += " " + origin;
  else if (!file.empty()) s += " created at " + file + ":" + std::to_string(line);
  // A layer created and called on one line (Dense(10)(x)) shows that line once.
  if (!call_file.empty() && !(call_file == file && call_line == line && call_what.empty())) {
    s += (file.empty() && origin.empty() ? " called at " : ", called at ") + call_file + ":" + std::to_string(call_line);
    if (!call_what.empty()) s += " (" + call_what + ")";
  }
  return s;
}

// ---- the user's call on this thread (core/base/user_call.hpp) ----

namespace {
thread_local const std::string* g_origin = nullptr;
}  // namespace

ScopedOrigin::ScopedOrigin(std::string origin) : origin_(std::move(origin)), previous_(g_origin) {
  g_origin = &origin_;
}
ScopedOrigin::~ScopedOrigin() { g_origin = previous_; }
const std::string* current_origin() { return g_origin; }

namespace {
std::atomic<Audience> g_audience{Audience::cpp};
}  // namespace
void set_audience(Audience a) { g_audience.store(a); }
Audience audience() { return g_audience.load(); }
std::string snippet(const std::string& cpp, const std::string& python) {
  return audience() == Audience::python ? python : cpp;
}

namespace {
thread_local UserCall g_user_call;
thread_local const ScopedLayerCall* g_layer_call = nullptr;
}  // namespace

ScopedUserCall::ScopedUserCall(const char* what, const std::source_location& loc) {
  if (g_user_call.active) return;  // the outermost call is the user's
  g_user_call = UserCall{what, loc, true};
  opened_ = true;
}
ScopedUserCall::ScopedUserCall(const UserCall& call) {
  if (g_user_call.active || !call.active) return;
  g_user_call = call;
  opened_ = true;
}
ScopedUserCall::~ScopedUserCall() {
  if (opened_) g_user_call = UserCall{};
}
UserCall current_user_call() { return g_user_call; }

ScopedLayerCall::ScopedLayerCall(const std::string& l, const std::source_location& where)
    : layer(l), loc(where), previous(g_layer_call) {
  g_layer_call = this;
}
ScopedLayerCall::~ScopedLayerCall() { g_layer_call = previous; }
const ScopedLayerCall* current_layer_call() { return g_layer_call; }

static std::string file_line(const std::source_location& loc) {
  return basename_of(loc.file_name()) + ":" + std::to_string(loc.line());
}

// Fills the failing call from this thread's calls: the layer's own call in the graph (when
// `where` names a layer being called), else the user's call. When `where` already names
// another line, the enclosing calls go to `during`: the layer whose call ran it ("the call of
// 'scale' at model.cpp:14") and the user's call ("model.fit at train.cpp:40").
static ContractInfo with_call(ContractInfo info) {
  Site& w = info.where;
  const ScopedLayerCall* inner = g_layer_call && g_layer_call->loc.line() ? g_layer_call : nullptr;
  if (w.call_file.empty())
    for (const ScopedLayerCall* c = g_layer_call; c; c = c->previous)
      if (c->layer == w.name && c->loc.line() != 0) {
        w.call_file = basename_of(c->loc.file_name());
        w.call_line = c->loc.line();
        inner = nullptr;
        break;
      }
  if (w.call_file.empty() && g_user_call.active) {
    w.call_file = basename_of(g_user_call.loc.file_name());
    w.call_line = g_user_call.loc.line();
    w.call_what = g_user_call.what ? g_user_call.what : "";
  }
  if (!info.during.empty() || w.call_file.empty()) return info;
  std::string here = w.call_file + ":" + std::to_string(w.call_line);
  if (inner && inner->layer != w.name && file_line(inner->loc) != here) {
    here = file_line(inner->loc);
    info.during = "the call of '" + inner->layer + "' at " + here;
  }
  if (g_user_call.active && file_line(g_user_call.loc) != here &&
      file_line(g_user_call.loc) != w.call_file + ":" + std::to_string(w.call_line)) {
    const std::string what = g_user_call.what ? g_user_call.what : "the call";
    info.during += (info.during.empty() ? "" : ", during ") + what + " at " +
                   file_line(g_user_call.loc);
  }
  return info;
}

// Places a caret under each marked dimension of a shape printed as "(a, b, c)".
static std::string caret_line(const std::string& shape_text, const std::vector<int>& marked) {
  if (marked.empty() || shape_text.empty() || shape_text[0] != '(') return "";
  std::string line(shape_text.size(), ' ');
  int axis = 0;
  std::size_t start = 1;
  for (std::size_t i = 1; i <= shape_text.size(); ++i) {
    bool end = i == shape_text.size() || shape_text[i] == ',' || shape_text[i] == ')';
    if (!end) continue;
    std::size_t b = start;
    while (b < i && shape_text[b] == ' ') ++b;
    for (int m : marked)
      if (m == axis)
        for (std::size_t k = b; k < i; ++k) line[k] = '^';
    ++axis;
    start = i + 1;
    if (i < shape_text.size() && shape_text[i] == ')') break;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

// The number of axes of a shape printed as "(a, b)", "(a,)" or "()"; -1 for other text.
static int axis_count(const std::string& t) {
  if (t.empty() || t[0] != '(') return -1;
  const std::size_t close = t.find(')');
  if (close == std::string::npos) return -1;
  const std::string inner = t.substr(1, close - 1);
  if (inner.find_first_not_of(' ') == std::string::npos) return 0;
  int n = 1;
  for (std::size_t i = 0; i < inner.size(); ++i)
    if (inner[i] == ',' && inner.find_first_not_of(' ', i + 1) != std::string::npos) ++n;
  return n;
}

// Breaks long lines of prose at spaces so that they stay under about 100 columns in a
// terminal. Each line of `text` is wrapped on its own; continuation lines are indented to
// `indent` plus that line's own leading spaces (so listed items stay aligned).
static std::string wrap(const std::string& text, std::size_t indent) {
  const std::size_t width = 100 > indent + 40 ? 100 - indent : 40;
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    const std::size_t lead = line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' ');
    const std::string cont = "\n" + std::string(indent + lead, ' ');
    while (line.size() > width) {
      std::size_t cut = line.rfind(' ', width);
      if (cut == std::string::npos || cut <= lead) break;
      out += line.substr(0, cut) + cont;
      line = line.substr(cut + 1);
    }
    out += line;
    if (nl == std::string::npos) break;
    out += "\n";
    start = nl + 1;
  }
  return out;
}

std::string render(const ContractInfo& c) {
  std::ostringstream o;
  o << "[" << c.code << "] " << c.summary << "\n";
  o << "  phase:    " << phase_name(c.phase) << "\n";
  o << "  where:    " << c.where.str() << (c.during.empty() ? "" : ", during " + c.during) << "\n";
  if (!c.expected.empty() || !c.actual.empty()) {
    o << "  expected: " << c.expected << "\n";
    // Carets under the expected shape: its own marks, or actual's when both are shapes of the
    // same rank (the same axis index then names the same axis).
    const bool same_rank = !c.actual.empty() && c.actual[0] == '(' &&
                           axis_count(c.expected) == axis_count(c.actual);
    std::string e_carets = caret_line(c.expected, !c.marked_expected.empty() ? c.marked_expected
                                                  : same_rank ? c.marked : std::vector<int>{});
    if (!e_carets.empty()) o << "            " << e_carets << "\n";
    o << "  actual:   " << c.actual << "\n";
    std::string carets = caret_line(c.actual, c.marked);
    if (!carets.empty()) o << "            " << carets << "  (differs)\n";
  }
  if (!c.provenance.empty()) {
    o << "  how the shapes came about:\n";
    for (const auto& p : c.provenance) o << "    " << p << "\n";
  }
  if (!c.cause.empty()) o << "  cause:    " << wrap(c.cause, 12) << "\n";
  if (!c.fix.empty()) o << "  fix:      " << wrap(c.fix, 12) << "\n";
  return o.str();
}

ContractError::ContractError(ContractInfo info)
    : ContractError(with_call(std::move(info)), 0) {}
ContractError::ContractError(ContractInfo info, int) : Error(render(info)), info_(std::move(info)) {}

std::string ContractError::where() const {
  return info_.where.str() + (info_.during.empty() ? "" : ", during " + info_.during);
}
std::string ContractError::called_at() const {
  if (info_.where.call_file.empty()) return "";
  return info_.where.call_file + ":" + std::to_string(info_.where.call_line);
}

InternalError::InternalError(const std::string& what)
    : Error("tenet internal error: " + what +
                       "\nThis is a bug in tenet, not in your program; please report it with "
                       "this message.") {}

void internal_error(const std::string& what, std::source_location loc) {
  throw InternalError(what + " (at " + basename_of(loc.file_name()) + ":" +
                      std::to_string(loc.line()) + ")");
}

}  // namespace tenet
