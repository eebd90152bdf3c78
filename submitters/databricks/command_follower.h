#pragma once
// Following a Databricks Command API 1.2 command (Follow kind `databricks_command`):
// commands/status until Finished, Error or Cancelled. A Finished command whose
// results.resultType is "error" FAILED — its `cause` is the Python traceback (dbt Fusion reads
// it as success). A text result is the model's output. Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::databricks {

std::unique_ptr<Follower> make_command_follower();

}  // namespace dbtpy::submitters::databricks
