#include "bench/synthetic_project.h"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace dbtpy::bench {
namespace fs = std::filesystem;
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  int range(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(int percent) { return range(1, 100) <= percent; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[next() % v.size()];
  }

 private:
  uint64_t s_;
};

const std::vector<std::string> kDomains = {"finance", "marketing", "product", "ops",
                                           "growth",  "risk",      "supply",  "people"};
const std::vector<std::string> kWords = {"orders",  "customers", "events",  "sessions", "invoices",
                                         "refunds", "shipments", "leads",   "accounts", "payments",
                                         "visits",  "signups",   "tickets", "returns",  "budgets"};
const std::vector<std::string> kColumns = {"id",       "customer_id", "amount",  "created_at",
                                           "status",   "region",      "channel", "score",
                                           "quantity", "currency"};

std::string model_name(int i) {
  return fmt::format("{}_{}_{}", kWords[static_cast<size_t>(i) % kWords.size()], "m", i);
}
std::string folder_of(int i) {
  return fmt::format("{}/area_{}", kDomains[static_cast<size_t>(i) % kDomains.size()],
                     (i / 8) % 12);
}

void helper_function(std::string& out, Rng& rng, int k, int* lines) {
  const std::string col = rng.pick(kColumns);
  switch (rng.range(0, 4)) {
    case 0:
      out += fmt::format(
          "def clean_{k}(df, columns=None):\n"
          "    \"\"\"Normalise column names and drop rows without a {col}.\n\n"
          "    Note: this does not call dbt.ref('anything'); strings are never parsed.\n"
          "    \"\"\"\n"
          "    columns = columns or [c for c in df.columns if not c.startswith('_')]\n"
          "    renamed = {{c: c.strip().lower().replace(' ', '_') for c in columns}}\n"
          "    df = df.rename(columns=renamed)\n"
          "    if '{col}' in df.columns:\n"
          "        df = df[df['{col}'].notna()]\n"
          "    return df\n\n\n",
          fmt::arg("k", k), fmt::arg("col", col));
      *lines += 13;
      break;
    case 1:
      out += fmt::format(
          "def summarize_{k}(df, by=\"{col}\", metrics=(\"amount\", \"quantity\")):\n"
          "    # dbt.source('not', 'a_call') inside a comment is ignored\n"
          "    present = [m for m in metrics if m in df.columns]\n"
          "    if not present:\n"
          "        return df.head(0)\n"
          "    grouped = df.groupby(by, as_index=False)\n"
          "    result = grouped[present].agg({{m: \"sum\" for m in present}})\n"
          "    result[\"label\"] = [f\"{{by}}={{v!r:>8}}\" for v in result[by]]\n"
          "    return result.sort_values(present[0], ascending=False)\n\n\n",
          fmt::arg("k", k), fmt::arg("col", col));
      *lines += 12;
      break;
    case 2:
      out += fmt::format(
          "class Rule{k}:\n"
          "    \"\"\"A threshold rule applied to one column.\"\"\"\n\n"
          "    def __init__(self, column: str = '{col}', threshold: float = {t}.5, *, "
          "strict=False):\n"
          "        self.column = column\n"
          "        self.threshold = threshold\n"
          "        self.strict = strict\n\n"
          "    def apply(self, df):\n"
          "        values = df[self.column] if self.column in df.columns else None\n"
          "        if values is None:\n"
          "            return df.assign(flag_{k}=False)\n"
          "        op = (lambda v: v > self.threshold) if self.strict else (lambda v: v >= "
          "self.threshold)\n"
          "        return df.assign(flag_{k}=values.map(op))\n\n"
          "    def __repr__(self):\n"
          "        return f'Rule{k}({{self.column!r}}, {{self.threshold:.2f}})'\n\n\n",
          fmt::arg("k", k), fmt::arg("col", col), fmt::arg("t", rng.range(1, 900)));
      *lines += 19;
      break;
    case 3:
      out += fmt::format(
          "def parse_payload_{k}(raw):\n"
          "    try:\n"
          "        data = json.loads(raw) if isinstance(raw, (str, bytes)) else dict(raw or {{}})\n"
          "    except (ValueError, TypeError) as exc:\n"
          "        return {{\"error\": str(exc), \"raw\": raw}}\n"
          "    out = {{}}\n"
          "    for key, value in sorted(data.items()):\n"
          "        if isinstance(value, dict):\n"
          "            for sub, inner in value.items():\n"
          "                out[f\"{{key}}__{{sub}}\"] = inner\n"
          "        elif isinstance(value, list):\n"
          "            out[key] = len(value)\n"
          "        else:\n"
          "            out[key] = value\n"
          "    return out\n\n\n",
          fmt::arg("k", k));
      *lines += 17;
      break;
    default:
      out += fmt::format(
          "def window_{k}(start: datetime, days: int = {d}) -> List[datetime]:\n"
          "    step = timedelta(days=1)\n"
          "    return [start + i * step for i in range(days)]\n\n\n"
          "LOOKUP_{k} = {{\n"
          "    \"eu\": (\"EUR\", 0.92, r\"^EU-\\d+$\"),\n"
          "    \"us\": (\"USD\", 1.0, r\"^US-\\d+$\"),\n"
          "    \"uk\": (\"GBP\", 0.79, r\"^UK-\\d+$\"),\n"
          "}}\n\n\n",
          fmt::arg("k", k), fmt::arg("d", rng.range(3, 90)));
      *lines += 12;
      break;
  }
}

std::string python_model(int i, int sql_models, Rng& rng, int* line_count) {
  std::string out;
  int lines = 0;
  const int target = rng.range(50, 300);
  bool docstring_ref = i > 0 && rng.chance(10);
  out += fmt::format("\"\"\"{} model {} for the {} domain.\n",
                     kWords[static_cast<size_t>(i) % kWords.size()], i,
                     kDomains[static_cast<size_t>(i) % kDomains.size()]);
  lines += 1;
  if (docstring_ref) {
    out += fmt::format("\nDepends on:\n- ref('{}')\n", model_name(rng.range(0, i - 1)));
    lines += 3;
  }
  out +=
      "\"\"\"\nimport json\nfrom datetime import datetime, timedelta\nfrom typing import Dict, "
      "List, Optional\n\n"
      "import numpy as np\nimport pandas as pd\n\n";
  lines += 9;
  int k = 0;
  while (lines < target - 30)
    helper_function(out, rng, k++, &lines);

  out += "def model(dbt, session):\n";
  bool incremental = rng.chance(30);
  out += fmt::format("    dbt.config(\n        materialized=\"{}\",\n",
                     incremental ? "incremental" : "table");
  if (incremental)
    out += "        unique_key=\"id\",\n        on_schema_change=\"append_new_columns\",\n";
  out += fmt::format(
      "        tags=[\"{}\", \"tier_{}\"],\n        packages=[\"pandas\", \"numpy==1.26.*\"],\n    "
      ")\n",
      kDomains[static_cast<size_t>(i) % kDomains.size()], i % 3);
  lines += incremental ? 8 : 6;
  out += fmt::format("    lookback = dbt.config.get(\"lookback_days\", {})\n", rng.range(1, 30));
  out += "    owner = dbt.config.meta_get(\"owner\", \"analytics\")\n";
  out += "    threshold = float(dbt.config.get(\"threshold\", 0.5))\n";
  lines += 3;
  int refs = rng.range(1, 4);
  out += "    frames = []\n";
  for (int r = 0; r < refs; ++r) {
    if (i > 0 && rng.chance(70)) {
      out += fmt::format("    frames.append(dbt.ref(\"{}\"))\n",
                         model_name(rng.range(std::max(0, i - 200), i - 1)));
    } else {
      out += fmt::format("    frames.append(dbt.ref('stg_{}'))\n", rng.range(0, sql_models - 1));
    }
  }
  lines += refs + 1;
  if (rng.chance(30)) {
    out += fmt::format("    raw = dbt.source(\"raw_{}\", \"{}\")\n",
                       kDomains[static_cast<size_t>(i) % kDomains.size()], rng.pick(kWords));
    lines += 1;
  }
  out +=
      "    df = frames[0].to_pandas() if hasattr(frames[0], 'to_pandas') else "
      "frames[0].toPandas()\n"
      "    df.columns = [c.lower() for c in df.columns]\n"
      "    if dbt.is_incremental:\n"
      "        cutoff = datetime.utcnow() - timedelta(days=lookback)\n"
      "        df = df[pd.to_datetime(df.get('created_at', pd.Series(dtype='datetime64[ns]'))) >= "
      "cutoff]\n"
      "    df['owner'] = owner\n"
      "    df['above'] = np.where(df.get('score', 0) > threshold, 1, 0)\n"
      "    return df\n";
  lines += 8;
  *line_count = lines;
  return out;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

SyntheticStats write_synthetic_project(const fs::path& dir, int python_models, uint64_t seed) {
  SyntheticStats st;
  Rng rng(seed);
  fs::remove_all(dir);
  const int sql_models = std::max(10, python_models / 10);

  std::string project =
      "name: synthetic\nprofile: synthetic\nversion: '1.0'\nconfig-version: 2\n"
      "vars:\n  start_date: '2024-01-01'\nmodels:\n  synthetic:\n    staging:\n"
      "      +materialized: view\n      +schema: staging\n";
  for (const auto& d : kDomains)
    project += fmt::format(
        "    {}:\n      +schema: {}\n      +tags: [\"{}\"]\n      +meta: {{owner: team_{}}}\n", d,
        d, d, d);
  write(dir / "dbt_project.yml", project);
  write(dir / "profiles.yml",
        "synthetic:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n"
        "      account: acme\n      database: ANALYTICS\n      schema: dbt_bench\n"
        "      password: \"{{ env_var('BENCH_PASSWORD') }}\"\n      threads: 8\n");

  std::string sources = "version: 2\nsources:\n";
  for (const auto& d : kDomains) {
    sources += fmt::format("  - name: raw_{}\n    database: RAW\n    tables:\n", d);
    for (const auto& w : kWords)
      sources += fmt::format("      - name: {}\n        description: Raw {} for {}.\n", w, w, d);
  }
  write(dir / "models/staging/_sources.yml", sources);

  for (int s = 0; s < sql_models; ++s) {
    write(dir / fmt::format("models/staging/stg_{}.sql", s),
          fmt::format("{{{{ config(materialized='view', tags=['staging']) }}}}\n\n"
                      "select\n    id,\n    customer_id,\n    amount,\n    created_at\n"
                      "from {{{{ source('raw_{}', '{}') }}}}\nwhere created_at >= '{{{{ "
                      "var(\"start_date\") }}}}'\n",
                      kDomains[static_cast<size_t>(s) % kDomains.size()],
                      kWords[static_cast<size_t>(s) % kWords.size()]));
    ++st.sql_models;
  }

  std::map<std::string, std::string> yaml_by_folder;
  for (int i = 0; i < python_models; ++i) {
    int lines = 0;
    std::string text = python_model(i, sql_models, rng, &lines);
    std::string folder = folder_of(i);
    write(dir / "models" / folder / (model_name(i) + ".py"), text);
    st.python_bytes += text.size();
    st.python_lines += static_cast<uint64_t>(lines);
    ++st.python_models;
    if (i % 2 == 0) {
      // Half of the models are documented, as in real projects: description, config and a
      // few columns with tests.
      std::string& y = yaml_by_folder[folder];
      if (y.empty()) y = "version: 2\nmodels:\n";
      y += fmt::format(
          "  - name: {}\n    description: >\n      Model {} of the synthetic project, owned by\n"
          "      the {} team.\n    config:\n      meta: {{sla_hours: {}}}\n      threshold: 0.{}\n"
          "    columns:\n",
          model_name(i), i, kDomains[static_cast<size_t>(i) % kDomains.size()], rng.range(1, 48),
          rng.range(1, 9));
      int columns = rng.range(3, 6);
      for (int c = 0; c < columns; ++c) {
        const std::string& col = kColumns[static_cast<size_t>(c + i) % kColumns.size()];
        y += fmt::format("      - name: {}\n        description: \"The {} of the row\"  # {}\n",
                         col, col, c);
        if (c == 0) y += "        data_tests:\n          - unique\n          - not_null\n";
      }
    }
  }
  for (const auto& [yaml_folder, yaml_text] : yaml_by_folder) {
    write(dir / "models" / yaml_folder / "_properties.yml", yaml_text);
    ++st.yaml_files;
  }
  return st;
}

}  // namespace dbtpy::bench
