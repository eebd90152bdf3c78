#pragma once
// Following a Databricks Command API 1.2 execution context until it is Running (Follow kind
// `databricks_context`). A context that ends in Error is destroyed (best effort) and the
// creating step is sent again after a growing pause (1, 2, 4, 8 s), as dbt-databricks does,
// up to ExecutionLimits::context_attempts contexts (the executor counts). Not thread-safe.
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::databricks {

std::unique_ptr<Follower> make_context_follower();

}  // namespace dbtpy::submitters::databricks
