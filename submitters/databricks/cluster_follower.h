#pragma once
// Making a Databricks all-purpose cluster ready for Command API work (Follow kind
// `databricks_cluster`): read clusters/get; start the cluster when it is TERMINATED (once it
// is no longer TERMINATING: a start is refused then); wait for RUNNING; then wait until every
// cluster library is INSTALLED, SKIPPED or RESTORED (libraries/cluster-status), because a
// model sent as soon as the cluster runs fails with ModuleNotFoundError while they install
// (dbt-databricks#821). ERROR, a library that FAILED, or no readiness within
// ExecutionLimits::cluster_ready fail the model. Another model starting the same cluster at
// the same time is harmless: an INVALID_STATE answer to the start is read as "already
// starting". Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::databricks {

std::unique_ptr<Follower> make_cluster_follower();

}  // namespace dbtpy::submitters::databricks
