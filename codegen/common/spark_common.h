#pragma once
// Python shared by the two Spark platforms (Databricks, Dataproc): turning whatever model()
// returned into a Spark DataFrame — Spark (classic or Connect) as is, pandas-on-Spark and
// Koalas via to_spark(), pandas via createDataFrame — and a clear TypeError naming anything
// else. Also backtick quoting for Spark SQL identifiers. Pure; thread-safe.
#include <string>
#include <string_view>

namespace dbtpy::codegen {

// Defines `_dbtpy_to_spark(spark, df)`; `platform` appears in the error message.
std::string spark_dataframe_python(std::string_view platform);

// `name` quoted for Spark SQL: backticks, inner backticks doubled.
std::string spark_quote(std::string_view name);

}  // namespace dbtpy::codegen
