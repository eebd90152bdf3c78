#include "codegen/common/spark_common.h"

#include "codegen/common/python_literal.h"

namespace dbtpy::codegen {

std::string spark_dataframe_python(std::string_view platform) {
  std::string s = R"PY(

def _dbtpy_to_spark(spark, df):
    kinds = []
    try:
        from pyspark.sql import DataFrame as SparkDataFrame

        kinds.append(SparkDataFrame)
    except Exception:
        pass
    try:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectDataFrame

        kinds.append(ConnectDataFrame)
    except Exception:
        pass
    if kinds and isinstance(df, tuple(kinds)):
        return df
    for module in ("pyspark.pandas", "databricks.koalas"):
        try:
            frame = __import__(module, fromlist=["DataFrame"]).DataFrame
        except Exception:
            continue
        if isinstance(df, frame):
            return df.to_spark()
    try:
        import pandas
    except Exception:
        pandas = None
    if pandas is not None and isinstance(df, pandas.DataFrame):
        return spark.createDataFrame(df)
    raise TypeError(
        f"model() returned {type(df).__module__}.{type(df).__qualname__}; a )PY";
  s += std::string(platform);
  s += R"PY( Python "
        "model must return a Spark DataFrame, a pandas-on-Spark DataFrame or a pandas DataFrame"
    )
)PY";
  return s;
}

std::string spark_quote(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

}  // namespace dbtpy::codegen
