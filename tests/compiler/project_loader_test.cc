#include "compiler/project_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "compiler/python_order.h"
#include "tests/compiler/project_fixture.h"
#include "util/diagnostic.h"
#include "util/error.h"
#include "util/hash.h"

namespace dbtpy::compiler {
namespace {

using testing::ProjectFixture;
using testing::py_model;
using V = std::vector<std::string>;

const Diagnostic& diag(const Project& p, const std::string& code) {
  for (const auto& d : p.diagnostics)
    if (d.code == code) return d;
  throw std::runtime_error("no diagnostic " + code);
}

TEST(ProjectLoader, ConfigPrecedenceAndMergesAcrossLayers) {
  ProjectFixture f;
  f.write("dbt_project.yml", R"y(
name: jaffle
profile: jaffle
models:
  +tags: [root]
  jaffle:
    +schema: from_project
    +meta: {owner: project, tier: 1}
    +grants: {select: [reporter]}
    +unique_key: project_key
    +pre-hook: "select 'project'"
    marts:
      +tags: [marts]
      +packages: [pandas]
)y");
  f.write("models/marts/props.yml", R"y(
models:
  - name: orders
    config:
      tags: [props]
      meta: {owner: props}
      grants: {+select: [bi]}
      unique_key: props_key
      packages: [numpy]
)y");
  f.write("models/marts/orders.py",
          py_model("    dbt.config(tags=['infile'], schema='from_file',\n"
                   "               packages=['scipy'], pre_hook=\"select 'file'\")\n"
                   "    return dbt.ref('upstream')\n"));
  f.write("models/upstream.sql", "select 1");
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.orders");
  const ResolvedConfig config = m.config.unpack();
  const Json& v = config.values;
  EXPECT_EQ(v["tags"], Json({"root", "marts", "props", "infile"}));
  EXPECT_EQ(v["packages"], Json({"pandas", "numpy", "scipy"}));
  EXPECT_EQ(v["schema"], "from_file");
  EXPECT_EQ(v["unique_key"], "props_key");
  EXPECT_EQ(v["meta"], (Json{{"owner", "props"}, {"tier", 1}}));
  EXPECT_EQ(v["grants"]["select"], Json({"reporter", "bi"}));
  ASSERT_EQ(v["pre-hook"].size(), 2u);
  EXPECT_EQ(v["pre-hook"][1]["sql"], "select 'file'");
  EXPECT_EQ(v["materialized"], "table");
  EXPECT_EQ(config.provenance.at("schema"), ConfigLayer::kInFile);
  EXPECT_EQ(config.provenance.at("unique_key"), ConfigLayer::kProperties);
  EXPECT_EQ(config.provenance.at("materialized"), ConfigLayer::kDefault);
  EXPECT_EQ(m.config.layer_of("unique_key"), ConfigLayer::kProperties);
  EXPECT_EQ(m.config.layer_of("no_such_key"), std::nullopt);
  EXPECT_EQ(m.relation.rendered, "ANALYTICS.dbt_me_from_file.orders");
}

TEST(ProjectLoader, PythonDefaultMaterializationOutranksTheProjectWithAWarning) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\nmodels:\n  jaffle:\n    +materialized: incremental\n");
  f.write("models/a.py", py_model("    return dbt.ref('b')\n"));
  f.write("models/b.py", py_model("    return session.table('x')\n"));
  f.write("models/c.py", py_model("    return dbt.ref('b')\n"));
  f.write("models/props.yml", "models:\n  - name: c\n    config: {materialized: incremental}\n");
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.a").config.values()["materialized"], "table");
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.c").config.values()["materialized"],
            "incremental");
  const Diagnostic& w = diag(p, "DBTPY240");
  EXPECT_EQ(w.severity, Severity::kWarning);
  EXPECT_NE(w.message.find("jaffle.a"), std::string::npos);
  EXPECT_NE(w.message.find("jaffle.b"), std::string::npos);
  EXPECT_EQ(w.message.find("jaffle.c"), std::string::npos);
  EXPECT_EQ(p.exit_code(), 0);
}

TEST(ProjectLoader, DisabledModelsAreSkippedAndCannotBeReferenced) {
  ProjectFixture f;
  f.write(
      "dbt_project.yml",
      "name: jaffle\nprofile: jaffle\nmodels:\n  jaffle:\n    legacy:\n      +enabled: false\n");
  f.write("models/off.py",
          py_model("    dbt.config(enabled=False)\n    return session.table('x')\n"));
  f.write("models/legacy/old.sql", "select 1");
  f.write("models/legacy/off.sql", "select 2");  // same name as off.py: both disabled, fine
  f.write("models/uses.py", py_model("    a = dbt.ref('off')\n    return dbt.ref('old')\n"));
  Project p = f.load();
  EXPECT_EQ(p.find("model.jaffle.dis"), nullptr);
  EXPECT_EQ(p.find("model.jaffle.old"), nullptr);
  EXPECT_EQ(ProjectFixture::codes(p),
            (V{"models/uses.py:2: DBTPY232", "models/uses.py:3: DBTPY232"}));
  EXPECT_EQ(p.exit_code(), 1);
}

TEST(ProjectLoader, DuplicateNamesMissingYamlEntriesAndBadYaml) {
  ProjectFixture f;
  f.write("models/a/orders.py", py_model("    return session.table('x')\n"));
  f.write("models/b/orders.sql", "select 1");
  f.write("models/ok.py", py_model("    return session.table('x')\n"));
  f.write("models/schema.yml", "models:\n  - name: ok\n  - name: orderz\n");
  f.write("models/broken.yml", "models:\n  - name: ok\n    config: {a: [\n");
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 2);
  const Diagnostic& dup = diag(p, "DBTPY222");
  EXPECT_NE(dup.message.find("models/a/orders.py"), std::string::npos);
  EXPECT_NE(dup.message.find("models/b/orders.sql"), std::string::npos);
  const Diagnostic& missing = diag(p, "DBTPY221");
  EXPECT_EQ(missing.file, "models/schema.yml");
  EXPECT_EQ(missing.line, 3);
  EXPECT_NE(missing.hint.find("'orders'"), std::string::npos);
  const Diagnostic& yaml = diag(p, "DBTPY202");
  EXPECT_EQ(yaml.file, "models/broken.yml");
  // The rest of the project still loads.
  EXPECT_NE(p.find("model.jaffle.ok"), nullptr);
}

TEST(ProjectLoader, EachLaterDuplicateNamesTheFirstFile) {
  ProjectFixture f;
  f.write("models/a/orders.py", py_model("    return session.table('x')\n"));
  f.write("models/b/orders.sql", "select 1");
  f.write("models/c/orders.sql", "select 2");
  // Names that share a prefix or differ by one character are distinct.
  f.write("models/order.sql", "select 3");
  f.write("models/orders_x.sql", "select 4");
  Project p = f.load();
  std::vector<const Diagnostic*> dups;
  for (const auto& d : p.diagnostics)
    if (d.code == "DBTPY222") dups.push_back(&d);
  ASSERT_EQ(dups.size(), 2u) << ::testing::PrintToString(ProjectFixture::codes(p));
  EXPECT_EQ(dups[0]->file, "models/b/orders.sql");
  EXPECT_EQ(dups[1]->file, "models/c/orders.sql");
  for (const Diagnostic* d : dups)
    EXPECT_NE(d->message.find("named 'orders': models/a/orders.py and "), std::string::npos)
        << d->message;
  EXPECT_NE(p.find("model.jaffle.orders"), nullptr);
  EXPECT_NE(p.find("model.jaffle.order"), nullptr);
  EXPECT_NE(p.find("model.jaffle.orders_x"), nullptr);
}

TEST(ProjectLoader, UnknownRefsAndSourcesNameTheClosestNodes) {
  ProjectFixture f;
  f.write("models/stg_orders.sql", "select 1");
  f.write("models/sources.yml", "sources:\n  - name: shop\n    tables: [{name: payments}]\n");
  f.write("models/m.py", py_model("    a = dbt.ref('stg_ordrs')\n"
                                  "    b = dbt.source('shop', 'payment')\n"
                                  "    c = dbt.ref('nopkg', 'stg_orders')\n"
                                  "    return a\n"));
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 1);
  const Diagnostic& ref = diag(p, "DBTPY230");
  EXPECT_EQ(ref.file, "models/m.py");
  EXPECT_EQ(ref.line, 2);
  EXPECT_EQ(ref.column, 9);
  EXPECT_NE(ref.hint.find("'stg_orders'"), std::string::npos);
  const Diagnostic& src = diag(p, "DBTPY231");
  EXPECT_EQ(src.line, 3);
  EXPECT_NE(src.hint.find("'shop.payments'"), std::string::npos);
  EXPECT_EQ(ProjectFixture::codes(p).size(), 3u);  // the unknown package too
}

TEST(ProjectLoader, EphemeralModelsCannotBeReferencedFromPython) {
  ProjectFixture f;
  f.write("models/eph.sql", "{{ config(materialized='ephemeral') }}\nselect 1");
  f.write("models/m.py", py_model("    return dbt.ref('eph')\n"));
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::codes(p), V{"models/m.py:2: DBTPY233"});
}

TEST(ProjectLoader, AnalyzerErrorsAreAllReportedAndOtherFilesLoad) {
  ProjectFixture f;
  f.write("models/bad_syntax.py", "def model(dbt, session):\n    return (1\n");
  f.write("models/bad_shape.py", "def model(dbt):\n    return 1\n");
  f.write("models/good.py", py_model("    return dbt.ref('bad_shape')\n"));
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 1);
  bool saw_syntax = false, saw_shape = false;
  for (const auto& d : p.diagnostics) {
    if (d.file == "models/bad_syntax.py") saw_syntax = true;
    if (d.file == "models/bad_shape.py") saw_shape = true;
    EXPECT_NE(d.file, "models/good.py") << d.message;  // the ref to a broken model resolves
  }
  EXPECT_TRUE(saw_syntax);
  EXPECT_TRUE(saw_shape);
  EXPECT_FALSE(p.find("model.jaffle.good")->has_errors);
  EXPECT_TRUE(p.find("model.jaffle.bad_shape")->has_errors);
}

TEST(ProjectLoader, VersionedModelsResolveLikeDbt) {
  ProjectFixture f;
  f.write("models/dim_v1.sql", "select 1");
  f.write("models/dim_v2.sql", "select 2");
  f.write("models/dim.yml",
          "models:\n  - name: dim\n    latest_version: 1\n    versions:\n      - v: 1\n"
          "      - v: 2\n        config: {alias: dim_next}\n");
  f.write("models/m.py", py_model("    a = dbt.ref('dim')\n"
                                  "    b = dbt.ref('dim', v=2)\n"
                                  "    c = dbt.ref('jaffle', 'dim', version=1)\n"
                                  "    d = dbt.ref('dim', v=3)\n"
                                  "    return a\n"));
  Project p = f.load();
  ASSERT_NE(p.find("model.jaffle.dim.v1"), nullptr);
  EXPECT_TRUE(p.find("model.jaffle.dim.v1")->is_latest_version);
  EXPECT_EQ(p.find("model.jaffle.dim.v2")->fqn, (V{"jaffle", "dim", "v2"}));
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  EXPECT_EQ(m.ref_relations.at("dim"), "ANALYTICS.dbt_me.dim_v1");
  EXPECT_EQ(m.ref_relations.at("dim.v2"), "ANALYTICS.dbt_me.dim_next");
  EXPECT_EQ(m.ref_relations.at("jaffle.dim.v1"), "ANALYTICS.dbt_me.dim_v1");
  EXPECT_EQ(ProjectFixture::codes(p), V{"models/m.py:5: DBTPY234"});
  EXPECT_NE(diag(p, "DBTPY234").hint.find("1, 2"), std::string::npos);
}

TEST(ProjectLoader, SourcesNamingAndLookupKeys) {
  ProjectFixture f;
  f.write("dbt_project.yml", "name: jaffle\nprofile: jaffle\nquoting: {schema: true}\n");
  f.write("models/src.yml", R"y(
sources:
  - name: shop
    tables:
      - name: orders
  - name: raw
    database: RAW_DB
    schema: landing
    quoting: {identifier: true}
    tables:
      - name: events
        identifier: Events_V2
      - name: gone
        config: {enabled: false}
)y");
  f.write("models/m.py", py_model("    a = dbt.source('shop', 'orders')\n"
                                  "    b = dbt.source('raw', 'events')\n"
                                  "    c = dbt.source('raw', 'gone')\n"
                                  "    return a\n"));
  Project p = f.load();
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  EXPECT_EQ(m.source_relations.at("shop.orders"), "ANALYTICS.\"shop\".orders");
  EXPECT_EQ(m.source_relations.at("raw.events"), "RAW_DB.\"landing\".\"Events_V2\"");
  EXPECT_EQ(m.depends_on, (V{"source.jaffle.raw.events", "source.jaffle.shop.orders"}));
  EXPECT_EQ(ProjectFixture::codes(p), V{"models/m.py:4: DBTPY232"});
  // Python models honour the project quoting too.
  EXPECT_EQ(m.relation.rendered, "ANALYTICS.\"dbt_me\".m");
}

TEST(ProjectLoader, InstalledPackagesAndRootOverlay) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\n"
          "models:\n  pkg_a:\n    staging:\n      +schema: overridden\n");
  f.write("dbt_packages/pkg_a/dbt_project.yml",
          "name: pkg_a\nmodels:\n  pkg_a:\n    +schema: pkg_schema\n    +alias: from_pkg\n");
  f.write("dbt_packages/pkg_a/models/util.sql", "select 1");
  f.write("dbt_packages/pkg_a/models/staging/stg.sql", "{{ config(alias='stg_alias') }} select 1");
  f.write("models/m.py", py_model("    a = dbt.ref('pkg_a', 'util')\n"
                                  "    b = dbt.ref('stg')\n"
                                  "    c = dbt.ref('pkg_b', 'util')\n"
                                  "    return a\n"));
  Project p = f.load();
  ASSERT_EQ(p.packages.size(), 2u);
  EXPECT_EQ(p.packages[1].name, "pkg_a");
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  EXPECT_EQ(m.ref_relations.at("pkg_a.util"), "ANALYTICS.dbt_me_pkg_schema.from_pkg");
  // The root's overlay outranks everything the package sets (its schema here); the package's
  // in-file alias outranks the package's own dbt_project.yml.
  EXPECT_EQ(m.ref_relations.at("stg"), "ANALYTICS.dbt_me_overridden.stg_alias");
  EXPECT_EQ(ProjectFixture::codes(p), V{"models/m.py:4: DBTPY230"});
  EXPECT_NE(diag(p, "DBTPY230").hint.find("pkg_a"), std::string::npos);
  EXPECT_EQ(p.find("model.pkg_a.stg")->original_file_path, "models/staging/stg.sql");
}

TEST(ProjectLoader, JinjaDbtpyCannotEvaluateInPackagesIsAWarning) {
  ProjectFixture f;
  f.write("dbt_packages/vendor/dbt_project.yml",
          "name: vendor\nmodels:\n  vendor:\n"
          "    +enabled: \"{{ target.type in ['snowflake', 'bigquery'] }}\"\n");
  f.write("dbt_packages/vendor/models/v.sql", "select 1");
  f.write("dbt_packages/vendor/models/v.yml",
          "models:\n  - name: v\n    config:\n      schema: \"{{ 'a' if true else 'b' }}\"\n");
  f.write("models/m.py", py_model("    return dbt.ref('vendor', 'v')\n"));
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  EXPECT_EQ(ProjectFixture::codes(p), (V{"dbt_packages/vendor/dbt_project.yml:4: DBTPY271",
                                         "dbt_packages/vendor/models/v.yml:4: DBTPY271"}));
  // The same Jinja in the root project is an error.
  f.write("models/p.yml",
          "models:\n  - name: m\n    config:\n      schema: \"{{ 'a' if true else 'b' }}\"\n");
  EXPECT_EQ(f.load().exit_code(), 2);
}

TEST(ProjectLoader, DbtManifestNamesNonPythonRelations) {
  ProjectFixture f;
  f.write("models/stg.sql", "select 1");
  f.write("models/m.py", py_model("    return dbt.ref('stg')\n"));
  f.write("target/manifest.json", R"y({"metadata": {}, "nodes": {
    "model.jaffle.stg": {"resource_type": "model", "database": "PROD", "schema": "custom",
      "alias": "stg_x", "relation_name": "PROD.custom.stg_x", "depends_on": {"nodes": []}},
    "model.jaffle.m": {"resource_type": "model", "database": "PROD", "schema": "other",
      "alias": "m", "relation_name": "PROD.other.m"}}})y");
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.m").ref_relations.at("stg"),
            "PROD.custom.stg_x");
  EXPECT_TRUE(p.find("model.jaffle.stg")->relation_from_manifest);
  // The Python model's own name differs from the manifest's: a stale or foreign manifest.
  EXPECT_EQ(diag(p, "DBTPY261").severity, Severity::kWarning);

  // A package that is not installed here but that dbt's manifest knows still resolves.
  f.write("models/m.py", py_model("    a = dbt.ref('utils', 'calendar')\n"
                                  "    return dbt.source('vendor', 'rates')\n"));
  f.write("target/manifest.json", R"y({"metadata": {}, "nodes": {
    "model.utils.calendar": {"resource_type": "model", "name": "calendar", "package_name": "utils",
      "database": "ANALYTICS", "schema": "dbt_me_utils", "alias": "calendar",
      "relation_name": "ANALYTICS.dbt_me_utils.calendar", "fqn": ["utils", "calendar"],
      "config": {"materialized": "table"}}},
    "sources": {"source.utils.vendor.rates": {"resource_type": "source", "name": "rates",
      "source_name": "vendor", "package_name": "utils", "database": "RAW", "schema": "vendor",
      "identifier": "rates", "relation_name": "RAW.vendor.rates"}}})y");
  Project q = f.load();
  EXPECT_EQ(q.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(q));
  const ModelIR& mq = ProjectFixture::model(q, "model.jaffle.m");
  EXPECT_EQ(mq.ref_relations.at("utils.calendar"), "ANALYTICS.dbt_me_utils.calendar");
  EXPECT_EQ(mq.source_relations.at("vendor.rates"), "RAW.vendor.rates");

  f.options.dbt_manifest = f.dir.path() / "nope.json";
  try {
    f.load();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.diagnostics()[0].code, "DBTPY262");
  }
}

// What every consumer relies on after loading: nodes in unique_id order, the id index, each
// Python node's ModelIR, and DAG parents that are exactly the nodes' depends_on.
void expect_ordered_and_linked(const Project& p) {
  for (size_t i = 1; i < p.nodes.size(); ++i)
    EXPECT_LT(p.nodes[i - 1].unique_id, p.nodes[i].unique_id);
  ASSERT_EQ(p.node_index.size(), p.nodes.size());
  ASSERT_EQ(p.dag.size(), p.nodes.size());
  size_t python = 0;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const Node& n = p.nodes[i];
    EXPECT_EQ(p.node_index.at(n.unique_id), i);
    if (n.python_model >= 0) {
      EXPECT_EQ(static_cast<size_t>(n.python_model), python++);
      EXPECT_EQ(p.python_models[static_cast<size_t>(n.python_model)].unique_id, n.unique_id);
    }
    std::vector<uint32_t> parents;
    for (const auto& d : p.depends_on_of(n))
      parents.push_back(static_cast<uint32_t>(p.node_index.at(d)));
    std::sort(parents.begin(), parents.end());
    EXPECT_EQ(p.dag.parents(i), parents) << n.unique_id;
    for (uint32_t parent : parents) {
      const auto& children = p.dag.children(parent);
      EXPECT_TRUE(std::binary_search(children.begin(), children.end(), i)) << n.unique_id;
    }
  }
  EXPECT_EQ(python, p.python_models.size());
}

TEST(ProjectLoader, CyclesAreErrorsThatPrintTheCycle) {
  ProjectFixture f;
  f.write("models/a.py", py_model("    return dbt.ref('b')\n"));
  f.write("models/b.sql", "select * from {{ ref('c') }}");
  f.write("models/c.py", py_model("    return dbt.ref('a')\n"));
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 1);
  const Diagnostic& d = diag(p, "DBTPY255");
  for (const char* id : {"model.jaffle.a", "model.jaffle.b", "model.jaffle.c"})
    EXPECT_NE(d.message.find(id), std::string::npos) << d.message;
  expect_ordered_and_linked(p);
}

TEST(ProjectLoader, NodesWithSharedPrefixesPackagesVersionsAndDisabledOnesOrderAndLink) {
  ProjectFixture f;
  f.write("dbt_packages/pkg/dbt_project.yml", "name: pkg\n");
  f.write("dbt_packages/pkg/models/stg_customers_orders_payments_1.sql", "select 1");
  f.write("dbt_packages/pkg/models/shared.sql",
          "select * from {{ ref('stg_customers_orders_payments_1') }}");
  f.write("models/stg_customers_orders_payments_1.sql", "select 1");
  f.write("models/stg_customers_orders_payments_10.sql",
          "select * from {{ ref('stg_customers_orders_payments_1') }} "
          "join {{ ref('stg_customers_orders_payments_1') }} join {{ source('raw', 'orders') }}");
  f.write("models/stg_customers_orders_payments_2.py",
          py_model("    a = dbt.ref('stg_customers_orders_payments_10')\n"
                   "    b = dbt.ref('stg_customers_orders_payments_10')\n"
                   "    c = dbt.ref('pkg', 'stg_customers_orders_payments_1')\n"
                   "    d = dbt.ref('dim', v=2)\n"
                   "    e = dbt.source('raw', 'orders')\n"
                   "    return dbt.ref('shared')\n"));
  f.write("models/a_first.py", py_model("    return dbt.ref('stg_customers_orders_payments_2')\n"));
  f.write("models/off.py", py_model("    dbt.config(enabled=False)\n    return dbt.ref('x')\n"));
  f.write("models/dim_v1.sql", "select 1");
  f.write("models/dim_v2.sql", "select 2");
  f.write("models/props.yml",
          "models:\n  - name: dim\n    latest_version: 1\n    versions:\n      - v: 1\n"
          "      - v: 2\n"
          "sources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: customers\n");
  Project p = f.load();
  EXPECT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  V ids;
  for (const auto& n : p.nodes)
    ids.push_back(n.unique_id);
  EXPECT_EQ(ids, (V{"model.jaffle.a_first", "model.jaffle.dim.v1", "model.jaffle.dim.v2",
                    "model.jaffle.stg_customers_orders_payments_1",
                    "model.jaffle.stg_customers_orders_payments_10",
                    "model.jaffle.stg_customers_orders_payments_2", "model.pkg.shared",
                    "model.pkg.stg_customers_orders_payments_1", "source.jaffle.raw.customers",
                    "source.jaffle.raw.orders"}));
  expect_ordered_and_linked(p);
  EXPECT_EQ(
      p.depends_on_of(*p.find("model.jaffle.stg_customers_orders_payments_2")),
      (V{"model.jaffle.dim.v2", "model.jaffle.stg_customers_orders_payments_10", "model.pkg.shared",
         "model.pkg.stg_customers_orders_payments_1", "source.jaffle.raw.orders"}));
  // A package's ref without a package name finds the root's node first (dbt's order).
  EXPECT_EQ(p.find("model.pkg.shared")->depends_on,
            (V{"model.jaffle.stg_customers_orders_payments_1"}));
}

TEST(ProjectLoader, ParentsFromDbtsManifestAreLinkedToo) {
  ProjectFixture f;
  f.write("models/stg.sql", "select 1");
  f.write("models/mart.sql", "select 1");
  f.write("models/m.py", py_model("    return dbt.ref('mart')\n"));
  f.write("target/manifest.json", R"y({"metadata": {}, "nodes": {
    "model.jaffle.stg": {"resource_type": "model", "database": "PROD", "schema": "s",
      "alias": "stg", "relation_name": "PROD.s.stg", "depends_on": {"nodes": []}},
    "model.jaffle.mart": {"resource_type": "model", "database": "PROD", "schema": "s",
      "alias": "mart", "relation_name": "PROD.s.mart",
      "depends_on": {"nodes": ["model.jaffle.stg", "model.gone.old", "model.jaffle.stg"]}}}})y");
  Project p = f.load();
  EXPECT_EQ(p.find("model.jaffle.mart")->depends_on, V{"model.jaffle.stg"});
  expect_ordered_and_linked(p);
}

TEST(ProjectLoader, UpstreamPythonModelsThroughSqlNodes) {
  ProjectFixture f;
  f.write("models/first.py", py_model("    return session.table('x')\n"));
  f.write("models/middle.sql", "select * from {{ ref('first') }}");
  f.write("models/last.py", py_model("    return dbt.ref('middle')\n"));
  f.write("models/other.py", py_model("    return dbt.ref('first')\n"));
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0);
  size_t last = p.node_index.at("model.jaffle.last");
  std::vector<size_t> up = upstream_python_models(p, last);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(p.nodes[up[0]].name, "first");
  std::vector<size_t> all;
  for (size_t i = 0; i < p.nodes.size(); ++i)
    all.push_back(i);
  std::vector<std::string> order;
  for (size_t i : python_models_in_order(p, all))
    order.push_back(p.nodes[i].name);
  EXPECT_EQ(order, (V{"first", "last", "other"}));
}

TEST(ProjectLoader, VarsFollowDbtPrecedence) {
  ProjectFixture f;
  f.write("dbt_project.yml", R"y(
name: jaffle
profile: jaffle
vars:
  region: global
  suffix: g
  jaffle:
    region: scoped
)y");
  f.write("models/m.py", py_model("    return session.table('x')\n"));
  f.write("models/p.yml",
          "models:\n  - name: m\n    config:\n      schema: \"{{ var('region') }}_{{ var('suffix') "
          "}}\"\n");
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.m").config.values()["schema"], "scoped_g");
  f.options.cli_vars = {{"suffix", "cli"}};
  Project q = f.load();
  EXPECT_EQ(ProjectFixture::model(q, "model.jaffle.m").config.values()["schema"], "scoped_cli");
}

TEST(ProjectLoader, SecretEnvVarsAreRefusedOutsideProfiles) {
  ProjectFixture f;
  f.env["DBT_ENV_SECRET_SCHEMA"] = "hidden";
  f.write("models/m.py", py_model("    return session.table('x')\n"));
  f.write("models/p.yml",
          "models:\n  - name: m\n    config:\n"
          "      schema: \"{{ env_var('DBT_ENV_SECRET_SCHEMA') }}\"\n");
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::codes(p), V{"models/p.yml:4: DBTPY216"});
  EXPECT_EQ(p.exit_code(), 2);
}

TEST(ProjectLoader, PythonOnlyChecks) {
  ProjectFixture f;
  f.write("models/v.py", py_model("    dbt.config(materialized='view')\n    return 1\n"));
  f.write("models/c.py", py_model("    return 1\n"));
  f.write("models/p.yml", "models:\n  - name: c\n    config: {contract: {enforced: true}}\n");
  Project p = f.load();
  EXPECT_NE(diag(p, "DBTPY241").message.find("'view'"), std::string::npos);
  EXPECT_EQ(diag(p, "DBTPY242").file, "models/c.py");
  EXPECT_EQ(p.exit_code(), 1);
}

// Python models resolve their config through the packed merge, or the Json one when a layer
// needs it (grants): the checks, messages and results are the same either way.
TEST(ProjectLoader, PythonConfigChecksAndResultsOnBothMergePaths) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\nmodels:\n  jaffle:\n    +tags: [base]\n"
          "    +meta: {owner: a}\n    g:\n      +grants: {select: [r]}\n");
  f.write("models/t.py", py_model("    dbt.config(tags=[['x']])\n    return 1\n"));
  f.write("models/a.py", py_model("    return 1\n"));
  f.write("models/dis.py", py_model("    return 1\n"));
  f.write("models/ok.py",
          py_model("    dbt.config(tags=['base', 'z'], contract={'enforced': False})\n"
                   "    return 1\n"));
  f.write("models/g/gm.py", py_model("    dbt.config(tags=['z'], materialized='view')\n"
                                     "    return 1\n"));
  f.write("models/p.yml",
          "models:\n  - name: a\n    config: {alias: 1}\n  - name: dis\n"
          "    config: {enabled: false}\n  - name: ok\n    config: {meta: {sla: 2}}\n");
  Project p = f.load();
  std::vector<std::string> bad;
  for (const auto& d : p.diagnostics)
    if (d.code == "DBTPY243" || d.code == "DBTPY241") bad.push_back(d.file + " " + d.message);
  std::sort(bad.begin(), bad.end());
  EXPECT_EQ(bad, (V{"models/a.py config `alias` of 'a' must be a string (set in properties)",
                    "models/g/gm.py invalid materialization 'view' for Python model 'gm' (set "
                    "in in-file config): only 'table' or 'incremental' are allowed",
                    "models/t.py config `tags` of 't' must be a string or a list of strings "
                    "(set in in-file config)"}));
  EXPECT_EQ(p.find("model.jaffle.dis"), nullptr);
  const Node* ok = p.find("model.jaffle.ok");
  ASSERT_NE(ok, nullptr);
  ResolvedConfig c = p.config_of(*ok);
  EXPECT_EQ(c.values, Json::parse(R"({"materialized": "table", "tags": ["base", "z"],
    "meta": {"owner": "a", "sla": 2}, "contract": {"enforced": false}})"));
  EXPECT_EQ(c.provenance.at("meta"), ConfigLayer::kProperties);
  EXPECT_EQ(c.provenance.at("tags"), ConfigLayer::kInFile);
  EXPECT_EQ(c.provenance.at("materialized"), ConfigLayer::kDefault);
  const Node* gm = p.find("model.jaffle.gm");
  ASSERT_NE(gm, nullptr);
  c = p.config_of(*gm);
  EXPECT_EQ(c.values, Json::parse(R"({"materialized": "view", "tags": ["base", "z"],
    "meta": {"owner": "a"}, "grants": {"select": ["r"]}})"));
  EXPECT_EQ(c.provenance.at("grants"), ConfigLayer::kProject);
}

TEST(ProjectLoader, ProjectLevelWarnings) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\nmodels:\n  jaffle:\n    stagng:\n      +schema: s\n");
  f.write("models/staging/m.py", py_model("    return 1\n"));
  f.write("macros/naming.sql",
          "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
          "  {{ custom_schema_name }}\n{%- endmacro %}\n");
  f.write("models/dyn.sql", "{{ config(schema=schema_for('x'), tags=['ok']) }}\nselect 1");
  Project p = f.load();
  EXPECT_NE(diag(p, "DBTPY246").message.find("models.jaffle.stagng"), std::string::npos);
  EXPECT_EQ(diag(p, "DBTPY245").file, "macros/naming.sql");
  EXPECT_EQ(diag(p, "DBTPY244").file, "models/dyn.sql");
  EXPECT_NE(diag(p, "DBTPY244").message.find("`schema`"), std::string::npos);
  EXPECT_EQ(p.exit_code(), 0);
}

TEST(ProjectLoader, ModelFacts) {
  ProjectFixture f;
  const std::string text = py_model(
      "    dbt.config(materialized='incremental')\n"
      "    n = dbt.config.get('lookback', 3)\n"
      "    o = dbt.config.meta_get('owner')\n"
      "    return dbt.ref('up')\n");
  f.write("models/sub/m.py", text);
  f.write("models/up.sql", "select 1");
  f.write("models/empty.py", "");
  f.write("models/props.yml", "models:\n  - name: m\n    description: The model.\n");
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  EXPECT_EQ(m.checksum, sha256_hex(text));
  EXPECT_EQ(m.original_file_path, "models/sub/m.py");
  EXPECT_EQ(m.absolute_path, (f.dir.path() / "models/sub/m.py").string());
  EXPECT_EQ(m.model_def_line, 1);
  EXPECT_EQ(m.description, "The model.");
  ASSERT_EQ(m.config_keys_used.size(), 1u);
  EXPECT_EQ(m.config_keys_used[0].key, "lookback");
  EXPECT_EQ(m.config_keys_used[0].default_value, 3);
  ASSERT_EQ(m.meta_keys_used.size(), 1u);
  EXPECT_EQ(m.depends_on, V{"model.jaffle.up"});
  EXPECT_EQ(p.find("model.jaffle.m")->fqn, (V{"jaffle", "sub", "m"}));
  EXPECT_NE(p.find("model.jaffle.empty"), nullptr);  // an empty file is a valid model
}

TEST(ProjectLoader, SeedsAndSnapshots) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\nseeds:\n  jaffle:\n    +schema: raw\n"
          "snapshots:\n  jaffle:\n    +target_schema: history\n");
  f.write("seeds/countries.csv", "code,name\nfr,France\n");
  f.write("snapshots/snaps.sql",
          "{% snapshot orders_snap %}\n{{ config(unique_key='id', strategy='check', "
          "check_cols='all') }}\nselect * from {{ ref('countries') }}\n{% endsnapshot %}\n");
  f.write("models/m.py",
          py_model("    a = dbt.ref('countries')\n    return dbt.ref('orders_snap')\n"));
  Project p = f.load();
  ASSERT_EQ(p.exit_code(), 0) << ::testing::PrintToString(ProjectFixture::codes(p));
  const ModelIR& m = ProjectFixture::model(p, "model.jaffle.m");
  EXPECT_EQ(m.ref_relations.at("countries"), "ANALYTICS.dbt_me_raw.countries");
  EXPECT_EQ(m.ref_relations.at("orders_snap"), "ANALYTICS.history.orders_snap");
  const Node* snap = p.find("snapshot.jaffle.orders_snap");
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->fqn, (V{"jaffle", "snaps", "orders_snap"}));
  EXPECT_EQ(snap->depends_on, V{"seed.jaffle.countries"});
}

// Paths are derived per folder, not per file: overlapping model paths, "./" and trailing
// slashes give dbt's relative paths and fqns, each file loads once, and names split at the
// last dot ("x.py" with no stem is not a model).
TEST(ProjectLoader, DiscoveryPathsAcrossOverlappingModelPaths) {
  ProjectFixture f;
  f.write("dbt_project.yml",
          "name: jaffle\nprofile: jaffle\nmodel-paths: [models, ./models/sub/]\n");
  f.write("models/sub/a.py", py_model("    dbt.ref('nope')\n    return dbt.ref('b')\n"));
  f.write("models/sub/deeper/b.sql", "select 1\n");
  f.write("models/.py", py_model());
  f.write("models/c.d.py", py_model("    return dbt.ref('b')\n"));
  Project p = f.load();
  std::vector<std::string> ids;
  for (const auto& n : p.nodes)
    ids.push_back(n.unique_id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"model.jaffle.a", "model.jaffle.b", "model.jaffle.c.d"}));
  const Node* a = p.find("model.jaffle.a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->original_file_path, "models/sub/a.py");
  EXPECT_EQ(a->fqn, (std::vector<std::string>{"jaffle", "sub", "a"}));
  EXPECT_EQ(p.find("model.jaffle.b")->fqn,
            (std::vector<std::string>{"jaffle", "sub", "deeper", "b"}));
  EXPECT_EQ(p.find("model.jaffle.c.d")->original_file_path, "models/c.d.py");
  EXPECT_EQ(ProjectFixture::codes(p), (std::vector<std::string>{"models/sub/a.py:2: DBTPY230"}));
  EXPECT_EQ(ProjectFixture::model(p, "model.jaffle.a").depends_on,
            (std::vector<std::string>{"model.jaffle.b"}));
}

// Discovery, node building, ref resolution and the DAG run on the loader's threads; what
// they produce, diagnostics included, is the same whatever the thread count.
TEST(ProjectLoader, ResultsDoNotDependOnTheThreadCount) {
  auto load = [](int threads) {
    ProjectFixture f;
    f.options.threads = threads;
    for (int d = 0; d < 6; ++d) {
      for (int i = 0; i < 40; ++i) {
        std::string name = "m" + std::to_string(d) + "_" + std::to_string(i);
        std::string body = "    dbt.ref('missing_" + std::to_string(i % 3) + "')\n" +
                           "    return dbt.ref('m" + std::to_string(d) + "_" +
                           std::to_string((i + 1) % 40) + "')\n";
        f.write("models/d" + std::to_string(d) + "/" + name + ".py", py_model(body));
      }
      f.write("models/d" + std::to_string(d) + "/s.sql", "select * from {{ ref('nope') }}\n");
    }
    return f.load();
  };
  Project one = load(1);
  Project four = load(4);
  EXPECT_EQ(ProjectFixture::codes(one), ProjectFixture::codes(four));
  ASSERT_EQ(one.diagnostics.size(), four.diagnostics.size());
  for (size_t i = 0; i < one.diagnostics.size(); ++i)
    EXPECT_EQ(one.diagnostics[i].message, four.diagnostics[i].message);
  ASSERT_EQ(one.nodes.size(), 241u);  // 240 Python models, one of six same-named SQL models
  ASSERT_EQ(four.nodes.size(), one.nodes.size());
  for (size_t i = 0; i < one.nodes.size(); ++i) {
    EXPECT_EQ(one.nodes[i].unique_id, four.nodes[i].unique_id);
    EXPECT_EQ(one.depends_on_of(one.nodes[i]), four.depends_on_of(four.nodes[i]));
    EXPECT_EQ(one.dag.parents(i), four.dag.parents(i));
  }
}

// Files are discovered, then read: one that vanishes in between is an error naming it, and
// the rest still loads. On one thread SQL and properties files are read in path order, then
// Python files: rendering a.yml's env_var() (the fixture's env lookup) removes files read
// after it.
TEST(ProjectLoader, FilesThatVanishAfterDiscoveryAreErrors) {
  ProjectFixture f;
  f.options.threads = 1;
  f.write("models/a.py", py_model("    return 1\n"));
  f.write("models/a.yml",
          "models:\n  - name: a\n    config:\n      schema: \"{{ env_var('VANISH', 'x') }}\"\n");
  f.write("models/b.py", py_model("    return 1\n"));
  f.write("models/c.sql", "select 1\n");
  f.write("models/z.yml", "models:\n  - name: c\n    description: the c model\n");
  const std::filesystem::path root = f.dir.path();
  auto env = f.options.env;
  f.options.env = [root, env](std::string_view name) -> std::optional<std::string> {
    if (name == "VANISH") {
      for (const char* gone : {"models/b.py", "models/c.sql", "models/z.yml"})
        std::filesystem::remove(root / gone);
    }
    return env(name);
  };
  Project p = f.load();
  EXPECT_EQ(ProjectFixture::codes(p),
            (V{"models/b.py:0: DBTPY201", "models/c.sql:0: DBTPY201", "models/z.yml:0: DBTPY201"}));
  for (const auto& d : p.diagnostics)
    EXPECT_EQ(d.message, "cannot read: No such file or directory") << d.file;
  EXPECT_EQ(p.exit_code(), 2);  // the properties file is a project error
  ASSERT_NE(p.find("model.jaffle.a"), nullptr);
  EXPECT_EQ(p.find("model.jaffle.b"), nullptr);
  EXPECT_EQ(p.find("model.jaffle.c"), nullptr);
}

// Python files are analyzed in the same pass as SQL and properties files are read, their
// configs resolved in a later one: the diagnostics of both, for the same file, keep their
// order (analysis first), and the whole list is the same on 1 and 4 threads.
TEST(ProjectLoader, DiagnosticsKeepTheirOrderWhateverTheThreadCount) {
  auto load = [](int threads) {
    ProjectFixture f;
    f.options.threads = threads;
    for (int i = 0; i < 30; ++i) {
      const std::string n = std::to_string(i);
      // All on line 1: diagnostics of one line keep the order they were found in.
      f.write("models/m" + n + ".py",
              "def model(dbt, session): x = dbt.ref(name_" + n +
                  "); dbt.config(materialized='view'); return dbt.ref('missing_" + n + "')\n");
      f.write("models/s" + n + ".sql", "select * from {{ ref('nope') }}\n");
      f.write("models/bad" + n + ".py", "def model(dbt, session):\n    return (1\n");
    }
    f.write("models/p.yml", "models:\n  - name: nothing_here\n  - name: m3\n    config: [1]\n");
    return f.load();
  };
  Project one = load(1);
  Project four = load(4);
  ASSERT_EQ(one.diagnostics.size(), four.diagnostics.size());
  for (size_t i = 0; i < one.diagnostics.size(); ++i) {
    EXPECT_EQ(format_diagnostic(one.diagnostics[i]), format_diagnostic(four.diagnostics[i]));
  }
  // One Python file's diagnostics: the analysis's, then its config's, then its refs'.
  std::vector<std::string> m7;
  for (const auto& d : one.diagnostics)
    if (d.file == "models/m7.py") m7.push_back(std::to_string(d.line) + ": " + d.code);
  EXPECT_EQ(m7, (V{"1: DBTPY120", "1: DBTPY241", "1: DBTPY230"}));
  EXPECT_EQ(ProjectFixture::codes(one).front(), "models/bad0.py:2: DBTPY101");
  EXPECT_EQ(ProjectFixture::codes(one).back(), "models/s9.sql:1: DBTPY235");
}

}  // namespace
}  // namespace dbtpy::compiler
