#include "adversarial.h"

namespace dbtpy::codegen::testing {

namespace {

std::string model_around(const std::string& body_lines) {
  return "def model(dbt, session):\n" + body_lines + "    return dbt.ref(\"stg_orders\")\n";
}

std::vector<AdversarialModel> make() {
  std::vector<AdversarialModel> v;
  v.push_back({"dollar_dollar", model_around("    sql = \"select $$x$$ as body, '$$' || $1\"\n"
                                             "    tail = 'ends with $'\n")});
  v.push_back({"dollar_at_end", model_around("    s = \"$\"\n") + "# trailing $\n# $$\n"});
  v.push_back({"quotes", model_around("    a = 'it''s' + \"say \\\"hi\\\"\" + '''x'''\n"
                                      "    b = \"\"\"triple \"quoted\" 'mix'\"\"\"\n")});
  v.push_back({"backslashes", model_around("    path = r\"C:\\new\\table\\\\\"\n"
                                           "    esc = \"\\n\\t\\\\\\\\\\x41\\u00e9\"\n"
                                           "    regex = r'\\d+\\.\\s*$'\n")});
  v.push_back({"unicode", model_around("    greeting = \"žluťoučký kůň 🐍 日本語 مرحبا\"\n"
                                       "    café = greeting.upper()  # non-ASCII identifier\n")});
  v.push_back({"tabs",
               "def helper(x):\n\treturn x\n\n\ndef model(dbt, session):\n\tdf = "
               "dbt.ref(\"stg_orders\")\n\tif True:\n\t\tdf = helper(df)\n\treturn df\n"});
  v.push_back({"crlf",
               "\xEF\xBB\xBF\"\"\"Windows file\r\nwith CRLF\"\"\"\r\n\r\ndef model(dbt, "
               "session):\r\n    x = \"\"\"a\r\nb\"\"\"\r\n    return "
               "dbt.ref(\"stg_orders\")\r\n"});
  v.push_back({"long_line", model_around("    blob = \"" + std::string(200000, 'x') + "\"\n")});
  v.push_back({"sql_lookalike", model_around("    s = \"$$ ; CALL x(); DROP TABLE t; -- '\"\n"
                                             "    t = '\\\\'\n")});
  {
    // ~1 MB of realistic-looking code, with `$$` and quotes sprinkled in.
    std::string big = "LOOKUP = {\n";
    int i = 0;
    while (big.size() < 1024 * 1024) {
      big += "    \"key_" + std::to_string(i) + "\": \"value $$ 'q' \\\\ " + std::to_string(i) +
             "\",\n";
      ++i;
    }
    big += "}\n\n\n" + model_around("    n = len(LOOKUP)\n");
    v.push_back({"one_megabyte", big});
  }
  return v;
}

}  // namespace

const std::vector<AdversarialModel>& adversarial_models() {
  static const std::vector<AdversarialModel> v = make();
  return v;
}

}  // namespace dbtpy::codegen::testing
