#include "compiler/selector.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "util/error.h"

namespace dbtpy::compiler {
namespace {

// A small project by hand:
//   seed raw_orders -> stg_orders (sql) -> orders_py (python) -> report (sql) -> scores (python)
//   source shop.events -> events_py (python, package `pkg`)
//   dim (sql, versions 1 and 2; 2 latest)
class SelectorTest : public ::testing::Test {
 protected:
  SelectorTest() {
    add(NodeKind::kSeed, Language::kNone, "raw_orders", "jaffle", {"jaffle", "raw_orders"},
        "seeds/raw_orders.csv", {});
    add(NodeKind::kModel, Language::kSql, "stg_orders", "jaffle",
        {"jaffle", "staging", "stg_orders"}, "models/staging/stg_orders.sql",
        {{"materialized", "view"}, {"tags", {"staging"}}});
    add(NodeKind::kModel, Language::kPython, "orders_py", "jaffle",
        {"jaffle", "marts", "finance", "orders_py"}, "models/marts/finance/orders_py.py",
        {{"materialized", "incremental"},
         {"tags", {"finance", "nightly"}},
         {"meta", {{"owner", "fin"}}},
         {"enabled", true}});
    add(NodeKind::kModel, Language::kSql, "report", "jaffle", {"jaffle", "marts", "report"},
        "models/marts/report.sql", {{"materialized", "table"}});
    add(NodeKind::kModel, Language::kPython, "scores", "jaffle", {"jaffle", "ml", "scores"},
        "models/ml/scores.py", {{"materialized", "table"}, {"tags", {"ml"}}});
    add(NodeKind::kSource, Language::kNone, "events", "pkg", {"pkg", "shop", "events"},
        "models/sources.yml", {});
    nodes_.back().source_name = "shop";
    add(NodeKind::kModel, Language::kPython, "events_py", "pkg", {"pkg", "events_py"},
        "models/events_py.py", {{"materialized", "table"}});
    add(NodeKind::kModel, Language::kSql, "dim", "jaffle", {"jaffle", "dim", "v1"},
        "models/dim_v1.sql", {{"materialized", "view"}});
    nodes_.back().version = "1";
    add(NodeKind::kModel, Language::kSql, "dim", "jaffle", {"jaffle", "dim", "v2"},
        "models/dim_v2.sql", {{"materialized", "view"}});
    nodes_.back().version = "2";
    nodes_.back().is_latest_version = true;

    p_.name = "jaffle";
    std::sort(nodes_.begin(), nodes_.end(),
              [](const Node& a, const Node& b) { return a.unique_id < b.unique_id; });
    for (auto& n : nodes_) {
      if (n.python_model >= 0) {
        ModelIR ir;
        ir.name = n.name;
        ir.config = n.config;
        n.config = {};
        n.python_model = static_cast<int>(p_.python_models.size());
        p_.python_models.push_back(ir);
      }
      p_.node_index[n.unique_id] = p_.nodes.size();
      p_.nodes.push_back(n);
    }
    p_.dag.resize(p_.nodes.size());
    edge("seed.jaffle.raw_orders", "model.jaffle.stg_orders");
    edge("model.jaffle.stg_orders", "model.jaffle.orders_py");
    edge("model.jaffle.orders_py", "model.jaffle.report");
    edge("model.jaffle.report", "model.jaffle.scores");
    edge("source.pkg.shop.events", "model.pkg.events_py");
    edge("model.jaffle.dim.v2", "model.jaffle.scores");
    p_.dag.finalize();
  }

  void add(NodeKind kind, Language lang, std::string name, std::string pkg,
           std::vector<std::string> fqn, std::string path, Json config) {
    Node n;
    n.kind = kind;
    n.language = lang;
    n.name = name;
    n.package_name = pkg;
    n.fqn = std::move(fqn);
    n.original_file_path = std::move(path);
    n.config.values = std::move(config);
    if (kind == NodeKind::kSource) {
      n.unique_id = "source." + pkg + ".shop." + name;
    } else {
      n.unique_id = std::string(node_kind_name(kind)) + "." + pkg + "." + name;
    }
    if (name == "dim") n.unique_id += nodes_.empty() || nodes_.back().name != "dim" ? ".v1" : ".v2";
    if (lang == Language::kPython) n.python_model = 0;
    nodes_.push_back(std::move(n));
  }

  void edge(const std::string& a, const std::string& b) {
    p_.dag.add_edge(p_.node_index.at(a), p_.node_index.at(b));
  }

  std::vector<std::string> names(std::vector<std::string> select,
                                 std::vector<std::string> exclude = {}) {
    std::vector<std::string> out;
    for (size_t i : select_nodes(p_, select, exclude))
      out.push_back(p_.nodes[i].unique_id);
    return out;
  }

  std::vector<Node> nodes_;
  Project p_;
};

using V = std::vector<std::string>;

TEST_F(SelectorTest, EmptySelectionSelectsEverything) {
  EXPECT_EQ(names({}).size(), p_.nodes.size());
}

TEST_F(SelectorTest, FqnNamesFoldersPackagesAndWildcards) {
  EXPECT_EQ(names({"orders_py"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"fqn:orders_py"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"jaffle.marts"}), (V{"model.jaffle.orders_py", "model.jaffle.report"}));
  EXPECT_EQ(names({"marts.finance"}), V{"model.jaffle.orders_py"});  // without the package
  EXPECT_EQ(names({"jaffle.marts.*"}), (V{"model.jaffle.orders_py", "model.jaffle.report"}));
  EXPECT_EQ(names({"*_py"}), (V{"model.jaffle.orders_py", "model.pkg.events_py"}));
  EXPECT_EQ(names({"pkg"}), V{"model.pkg.events_py"});  // fqn never selects sources
  EXPECT_EQ(names({"jaffle.ml.scor?s"}), V{"model.jaffle.scores"});
  // fnmatch over the dotted fqn: "staging.stg_orders" matches, "ml.scores" does not.
  EXPECT_EQ(names({"s[ct]*"}), V{"model.jaffle.stg_orders"});
}

TEST_F(SelectorTest, VersionedModels) {
  EXPECT_EQ(names({"dim"}), (V{"model.jaffle.dim.v1", "model.jaffle.dim.v2"}));
  EXPECT_EQ(names({"dim.v2"}), V{"model.jaffle.dim.v2"});
  EXPECT_EQ(names({"dim_v1"}), V{"model.jaffle.dim.v1"});
  EXPECT_EQ(names({"version:latest"}), V{"model.jaffle.dim.v2"});
  EXPECT_EQ(names({"version:old"}), V{"model.jaffle.dim.v1"});
}

TEST_F(SelectorTest, PathAndFile) {
  EXPECT_EQ(names({"path:models/marts"}), (V{"model.jaffle.orders_py", "model.jaffle.report"}));
  EXPECT_EQ(names({"models/marts/finance"}), V{"model.jaffle.orders_py"});  // bare path
  EXPECT_EQ(names({"path:models/marts/report.sql"}), V{"model.jaffle.report"});
  EXPECT_EQ(names({"path:models/*/finance"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"path:models/**/*.py"}).size(), 3u);
  EXPECT_EQ(names({"file:scores.py"}), V{"model.jaffle.scores"});
  EXPECT_EQ(names({"scores.py"}), V{"model.jaffle.scores"});
  EXPECT_EQ(names({"file:report"}), V{"model.jaffle.report"});
}

TEST_F(SelectorTest, TagConfigPackageSourceResourceType) {
  EXPECT_EQ(names({"tag:nightly"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"tag:fin*"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"config.materialized:incremental"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"config.meta.owner:fin"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"config.tags:ml"}), V{"model.jaffle.scores"});
  EXPECT_EQ(names({"config.enabled:TRUE"}).size(), p_.nodes.size() - 1);  // not the source
  EXPECT_EQ(names({"package:pkg"}), (V{"model.pkg.events_py", "source.pkg.shop.events"}));
  EXPECT_EQ(names({"package:this"}).size(), p_.nodes.size() - 2);
  EXPECT_EQ(names({"source:shop"}), V{"source.pkg.shop.events"});
  EXPECT_EQ(names({"source:shop.ev*"}), V{"source.pkg.shop.events"});
  EXPECT_EQ(names({"source:pkg.shop.events"}), V{"source.pkg.shop.events"});
  EXPECT_EQ(names({"resource_type:seed"}), V{"seed.jaffle.raw_orders"});
  EXPECT_TRUE(names({"resource_type:test"}).empty());
}

TEST_F(SelectorTest, GraphOperators) {
  EXPECT_EQ(names({"+orders_py"}),
            (V{"model.jaffle.orders_py", "model.jaffle.stg_orders", "seed.jaffle.raw_orders"}));
  EXPECT_EQ(names({"1+orders_py"}), (V{"model.jaffle.orders_py", "model.jaffle.stg_orders"}));
  EXPECT_EQ(names({"orders_py+"}),
            (V{"model.jaffle.orders_py", "model.jaffle.report", "model.jaffle.scores"}));
  EXPECT_EQ(names({"orders_py+1"}), (V{"model.jaffle.orders_py", "model.jaffle.report"}));
  EXPECT_EQ(names({"source:shop+"}), (V{"model.pkg.events_py", "source.pkg.shop.events"}));
  // @: the node, its children, and every parent of those children.
  EXPECT_EQ(names({"@report"}),
            (V{"model.jaffle.dim.v2", "model.jaffle.orders_py", "model.jaffle.report",
               "model.jaffle.scores", "model.jaffle.stg_orders", "seed.jaffle.raw_orders"}));
}

TEST_F(SelectorTest, UnionIntersectionExclude) {
  EXPECT_EQ(names({"scores orders_py"}), (V{"model.jaffle.orders_py", "model.jaffle.scores"}));
  EXPECT_EQ(names({"scores", "orders_py"}), (V{"model.jaffle.orders_py", "model.jaffle.scores"}));
  EXPECT_EQ(names({"+scores,tag:nightly"}), V{"model.jaffle.orders_py"});
  EXPECT_EQ(names({"+scores,config.materialized:table,resource_type:model"}),
            (V{"model.jaffle.report", "model.jaffle.scores"}));
  EXPECT_EQ(names({"+scores"}, {"resource_type:seed stg_orders"}),
            (V{"model.jaffle.dim.v2", "model.jaffle.orders_py", "model.jaffle.report",
               "model.jaffle.scores"}));
  EXPECT_EQ(names({}, {"package:jaffle"}), (V{"model.pkg.events_py", "source.pkg.shop.events"}));
}

TEST_F(SelectorTest, UnmatchedCriteriaWarn) {
  std::vector<Diagnostic> warnings;
  select_nodes(p_, {"nope orders_py"}, {}, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].code, "DBTPY251");
  EXPECT_NE(warnings[0].message.find("'nope'"), std::string::npos);
}

TEST_F(SelectorTest, SyntaxErrors) {
  for (const char* bad : {"@+x", "colour:red", "config:table", "resource_type:bogus",
                          "source:a.b.c.d", "tag:", "version:newest"}) {
    try {
      parse_selector_atom(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.diagnostics()[0].code, "DBTPY250") << bad;
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    }
  }
  SelectorAtom a = parse_selector_atom("2+config.meta.owner:x+3");
  EXPECT_EQ(a.parents, 2);
  EXPECT_EQ(a.children, 3);
  EXPECT_EQ(a.method, "config");
  EXPECT_EQ(a.method_args, (V{"meta", "owner"}));
  EXPECT_EQ(a.value, "x");
}

TEST(Fnmatch, PythonSemantics) {
  EXPECT_TRUE(fnmatch("a*c", "abbc"));
  EXPECT_TRUE(fnmatch("a?c", "abc"));
  EXPECT_FALSE(fnmatch("a?c", "ac"));
  EXPECT_TRUE(fnmatch("[a-c]x", "bx"));
  EXPECT_FALSE(fnmatch("[!a-c]x", "bx"));
  EXPECT_TRUE(fnmatch("*.py", "a.b.py"));
  EXPECT_TRUE(fnmatch("[x", "[x"));  // an unclosed bracket is literal
  EXPECT_FALSE(fnmatch("Abc", "abc"));
}

}  // namespace
}  // namespace dbtpy::compiler
