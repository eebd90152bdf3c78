#include "compiler/relation_naming.h"

#include "profiles/jinja_value.h"
#include "util/strings.h"

namespace dbtpy::compiler {
using profiles::Platform;

namespace {

void apply(QuotePolicy& p, const Json& layer) {
  if (!layer.is_object()) return;
  auto set = [&](const char* key, bool& slot) {
    auto it = layer.find(key);
    if (it != layer.end() && it->is_boolean()) slot = it->get<bool>();
  };
  set("database", p.database);
  set("project", p.database);  // BigQuery spelling
  set("schema", p.schema);
  set("dataset", p.schema);
  set("identifier", p.identifier);
}

std::string text_of(const Json& v) {
  return v.is_string() ? v.get<std::string>() : profiles::python_str(v);
}

}  // namespace

QuotePolicy default_quote_policy(Platform platform) {
  switch (platform) {
    case Platform::kSnowflake:
      return {false, false, false};
    case Platform::kDatabricks:
      return {true, true, true};
    case Platform::kBigQuery:
      return {false, false, false};
  }
  return {};
}

QuotePolicy quote_policy(Platform platform, const Json& project_quoting, const Json& layer,
                         const Json& layer2) {
  QuotePolicy p = default_quote_policy(platform);
  apply(p, project_quoting);
  apply(p, layer);
  apply(p, layer2);
  return p;
}

std::string render_relation(Platform platform, const std::string& database,
                            const std::string& schema, const std::string& identifier,
                            const QuotePolicy& q) {
  // Appended in place (no vector of parts): one allocation per relation.
  const bool bigquery = platform == Platform::kBigQuery;
  const char c = platform == Platform::kSnowflake ? '"' : '`';
  std::string out;
  out.reserve(database.size() + schema.size() + identifier.size() + 8);
  auto part = [&](const std::string& text, bool quote) {
    if (bigquery || !quote) {
      out += text;
      return;
    }
    out += c;
    for (char ch : text) {
      if (ch == c) out += c;  // both Snowflake and Databricks escape by doubling
      out += ch;
    }
    out += c;
  };
  if (!database.empty()) {
    part(database, q.database);
    out += '.';
  }
  if (!schema.empty()) {
    part(schema, q.schema);
    out += '.';
  }
  part(identifier, q.identifier);
  return out;
}

std::string default_schema_name(const profiles::Target& target, const Json& custom_schema) {
  std::string base = target.default_schema();
  if (custom_schema.is_null()) return std::string(trim(base));
  return std::string(trim(base + "_" + std::string(trim(text_of(custom_schema)))));
}

std::string default_database_name(const profiles::Target& target, const Json& custom_database) {
  if (custom_database.is_null()) return std::string(trim(target.default_database()));
  return std::string(trim(text_of(custom_database)));
}

std::string default_alias_name(const std::string& name, const std::optional<std::string>& version,
                               const Json& custom_alias) {
  // Jinja truthiness: null and "" fall through to the default.
  if (!custom_alias.is_null() &&
      !(custom_alias.is_string() && custom_alias.get<std::string>().empty()))
    return std::string(trim(text_of(custom_alias)));
  if (version && !version->empty()) {
    std::string v = *version;
    replace_all(v, ".", "_");
    return name + "_v" + v;
  }
  return name;
}

void render_into(Relation& r, Platform platform, const QuotePolicy& quoting) {
  r.rendered = render_relation(platform, r.database, r.schema, r.identifier, quoting);
}

namespace {
const Json& get(const Json& config, const char* key) {
  static const Json kNull;
  if (!config.is_object()) return kNull;
  auto it = config.find(key);
  return it == config.end() ? kNull : *it;
}

// text_of(v) trimmed, without a copy of string values.
std::string_view trimmed_text(const Json& v, std::string& storage) {
  if (v.is_string()) return trim(v.get_ref<const std::string&>());
  storage = profiles::python_str(v);
  return trim(storage);
}
}  // namespace

RelationNamer::RelationNamer(const profiles::Target& target, const Json& project_quoting)
    : platform_(target.platform),
      database_(trim(target.default_database())),
      schema_(trim(target.default_schema())),
      // trim(base + "_" + custom) keeps base's trailing spaces: '_' ends the trim there.
      schema_prefix_(trim(target.default_schema() + "_")),
      quoting_(quote_policy(target.platform, project_quoting)) {}

Relation RelationNamer::parts(const Json& config, const std::string& name,
                              const std::optional<std::string>& version, bool snapshot) const {
  Relation r;
  std::string storage;
  const Json& database = get(config, snapshot ? "target_database" : "database");
  const Json& schema = get(config, snapshot ? "target_schema" : "schema");
  if (snapshot && !database.is_null()) {
    r.database = trimmed_text(database, storage);
  } else {
    const Json& custom = snapshot ? get(config, "database") : database;
    r.database = custom.is_null() ? database_ : std::string(trimmed_text(custom, storage));
  }
  if (snapshot && !schema.is_null()) {
    r.schema = trimmed_text(schema, storage);
  } else {
    const Json& custom = snapshot ? get(config, "schema") : schema;
    if (custom.is_null()) {
      r.schema = schema_;
    } else {
      std::string_view text = trimmed_text(custom, storage);
      r.schema.reserve(schema_prefix_.size() + text.size());
      r.schema = schema_prefix_;
      r.schema += text;
    }
  }
  r.identifier = default_alias_name(name, version, get(config, "alias"));
  return r;
}

Relation RelationNamer::model(const Json& config, const std::string& name,
                              const std::optional<std::string>& version) const {
  Relation r = parts(config, name, version, false);
  QuotePolicy q = quoting_;
  apply(q, get(config, "quoting"));
  render_into(r, platform_, q);
  return r;
}

Relation RelationNamer::snapshot(const Json& config, const std::string& name) const {
  Relation r = parts(config, name, std::nullopt, true);
  QuotePolicy q = quoting_;
  apply(q, get(config, "quoting"));
  render_into(r, platform_, q);
  return r;
}

Relation model_relation(const profiles::Target& target, const Json& project_quoting,
                        const Json& config, const std::string& name,
                        const std::optional<std::string>& version) {
  return RelationNamer(target, project_quoting).model(config, name, version);
}

Relation snapshot_relation(const profiles::Target& target, const Json& project_quoting,
                           const Json& config, const std::string& name) {
  return RelationNamer(target, project_quoting).snapshot(config, name);
}

}  // namespace dbtpy::compiler
