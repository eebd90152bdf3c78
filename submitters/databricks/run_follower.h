#pragma once
// Following a Databricks Jobs run (Follow kind `databricks_run`, from runs/submit or
// run-now): runs/get until the life cycle is terminal. Only TERMINATED with result_state
// SUCCESS succeeds; CANCELED, TIMEDOUT, FAILED, SUCCESS_WITH_FAILURES, UPSTREAM_FAILED,
// SKIPPED, INTERNAL_ERROR and anything else fail (dbt-databricks#984 reported a cancelled run
// as success). On failure, and on success with --show-output, runs/get-output of the model's
// TASK run (the parent run has no output) gives error, error_trace and logs. The run page URL
// is the console URL. Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::databricks {

std::unique_ptr<Follower> make_run_follower();

}  // namespace dbtpy::submitters::databricks
