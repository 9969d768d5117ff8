// Keras JSON parsing with limits, and ConfigReader: one config read strictly (data/keras_json.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include <tenet/core/contracts/checks.hpp>
#include "data/format_error.hpp"
#include "core/base/text_escape.hpp"
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {
struct TooDeep {};
}  // namespace

std::string json_text(const Json& value) {
  std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 72) + " ...";
  return s;
}

void bad_json(const std::string& file, const std::string& what, const std::string& expected,
              const Json* found) {
  detail::format_error(file, "Keras model file",
                       {what + " is not what Keras writes", expected,
                        found ? json_text(*found) : std::string("nothing (the key is missing)"),
                        "the file was not written by Keras 3, or was edited or damaged", ""});
}

Json parse_json(const std::string& text, const std::string& file) {
  if (text.size() > kMaxJsonBytes)
    detail::format_error(file, "Keras model file",
                         {"the JSON is larger than tenet reads",
                          "at most " + detail::bytes_str(kMaxJsonBytes),
                          detail::bytes_str(text.size()),
                          "a Keras config of 100000 layers takes about 15 MiB", ""});
  // The parser itself is iterative; the depth limit keeps the tree (and anything walking it)
  // small.
  auto limit = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) throw TooDeep{};
    return true;
  };
  try {
    return Json::parse(text, limit, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const TooDeep&) {
    detail::format_error(file, "Keras model file",
                         {"the JSON nests deeper than tenet reads",
                          "at most " + std::to_string(kMaxJsonDepth) + " levels",
                          "more than " + std::to_string(kMaxJsonDepth) + " levels",
                          "Keras writes about 8 levels; this file was not written by Keras", ""});
  } catch (const Json::exception& e) {
    // The parser's words without its "[json.exception.parse_error.101] " tag.
    std::string what = e.what();
    if (what.starts_with("[json.exception.") && what.find("] ") != std::string::npos)
      what.erase(0, what.find("] ") + 2);
    detail::format_error(file, "Keras model file",
                         {"the file is not valid JSON", "a JSON object as Keras writes it",
                          text.empty() ? std::string("an empty file") : what,
                          "the file is truncated, damaged, or not a Keras model", ""});
  }
}

ConfigReader::ConfigReader(const Json& config, std::string file, std::string layer,
                           std::string class_name, std::string kind)
    : config_(config), file_(std::move(file)), layer_(std::move(layer)),
      class_(text::printable(class_name)), kind_(std::move(kind)) {
  if (!config_.is_object())
    bad_json(file_, "the config of '" + layer_ + "' (" + class_ + ")", "a JSON object", &config_);
}

const Json* ConfigReader::get(const std::string& key) {
  read_.insert(key);
  auto it = config_.find(key);
  return it == config_.end() ? nullptr : &*it;
}

void ConfigReader::wrong_type(const std::string& key, const std::string& expected) const {
  auto it = config_.find(key);
  bad_json(file_, "option " + key + " of '" + layer_ + "' (" + class_ + ")", expected,
           it == config_.end() ? nullptr : &*it);
}

void ConfigReader::unsupported(const std::string& key, const Json& value,
                               const std::string& supported) const {
  const std::string subject = kind_ == "layer" ? "layer '" + layer_ + "' (" + class_ + ")"
                                               : kind_ + " (" + class_ + ")";
  checks::model_unsupported(file_, Site(layer_, class_), subject, key, json_text(value), supported);
}

std::int64_t ConfigReader::integer(const std::string& key, std::int64_t fallback,
                                   std::int64_t lo, std::int64_t hi) {
  const Json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number_integer()) wrong_type(key, "an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
    unsupported(key, *v, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  const std::int64_t x = v->get<std::int64_t>();
  if (x < lo || x > hi)
    unsupported(key, *v, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

std::array<std::int64_t, 2> ConfigReader::pair(const std::string& key,
                                               std::array<std::int64_t, 2> fallback,
                                               std::int64_t lo, std::int64_t hi) {
  const Json* v = get(key);
  if (!v) return fallback;
  const std::string range = "from " + std::to_string(lo) + " to " + std::to_string(hi);
  auto one = [&](const Json& x) {
    if (!x.is_number_integer()) wrong_type(key, "an integer or a list of two integers");
    if (x.is_number_unsigned() && x.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
      unsupported(key, *v, "integers " + range);
    const std::int64_t n = x.get<std::int64_t>();
    if (n < lo || n > hi) unsupported(key, *v, "integers " + range);
    return n;
  };
  if (v->is_array()) {
    if (v->size() != 2) wrong_type(key, "a list of two integers");
    return {one((*v)[0]), one((*v)[1])};
  }
  const std::int64_t n = one(*v);
  return {n, n};
}

double ConfigReader::number(const std::string& key, double fallback) {
  const Json* v = get(key);
  if (!v) return fallback;
  if (!v->is_number()) wrong_type(key, "a number");
  const double x = v->get<double>();
  if (!std::isfinite(x)) unsupported(key, *v, "a finite number");
  return x;
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
  const Json* v = get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) wrong_type(key, "true or false");
  return v->get<bool>();
}

std::string ConfigReader::text(const std::string& key, const std::string& fallback) {
  const Json* v = get(key);
  if (!v) return fallback;
  if (!v->is_string()) wrong_type(key, "a string");
  return v->get<std::string>();
}

void ConfigReader::only(const std::string& key, std::initializer_list<Json> accepted) {
  const Json* v = get(key);
  if (!v) return;
  for (const Json& a : accepted)
    if (*v == a) return;
  std::string list;
  for (const Json& a : accepted) list += (list.empty() ? "" : " or ") + a.dump();
  unsupported(key, *v, list);
}

void check_name(const Json& name, const std::string& file, const std::string& what) {
  const bool text = name.is_string() && !name.get<std::string>().empty();
  const std::string s = text ? name.get<std::string>() : "";
  // Keras refuses '/' in names; control characters would forge lines in messages and tables.
  if (!text || std::any_of(s.begin(), s.end(), [](unsigned char c) {
        return c == '/' || c < 0x20 || c == 0x7f;
      }))
    bad_json(file, what, "a non-empty string without '/' or control characters", &name);
}

std::string ConfigReader::name() {
  if (const Json* n = get("name")) check_name(*n, file_, "the name in a " + class_ + " config");
  return text("name", "");
}

std::string ConfigReader::common() {
  const std::string name = this->name();
  trainable_ = boolean("trainable", true);
  if (const Json* d = get("dtype"); d && !d->is_null()) {
    std::string policy;
    if (d->is_string()) policy = d->get<std::string>();
    else if (d->is_object() && d->value("class_name", Json()) == "DTypePolicy" &&
             d->contains("config") && (*d)["config"].is_object())
      policy = (*d)["config"].value("name", Json("?")).is_string()
                   ? (*d)["config"].value("name", std::string("?"))
                   : "?";
    if (policy != "float32")
      unsupported("dtype", *d, "\"float32\" (tenet computes in float32 only)");
  }
  return name;
}

void ConfigReader::finish() const {
  for (auto it = config_.begin(); it != config_.end(); ++it)
    if (!read_.count(it.key()))
      unsupported(it.key(), it.value(), "no such option in tenet's " + class_);
}

}  // namespace tenet::data::keras_detail
