#pragma once
// Following a Dataproc Serverless batch (Follow kind `dataproc_batch`). The create call returns
// a long-running Operation (its name is the handle, and cancelling it is how a batch is
// cancelled: v1 has no batches.cancel), but the state followed is the BATCH's own (status
// URL), which reaches SUCCEEDED as soon as the work is done — the operation only completes
// after the serverless cluster has spun down (dbt-bigquery#734). SUCCEEDED succeeds; FAILED
// and CANCELLED fail. The driver output (runtimeInfo.outputUri) is read at the end: always on
// failure (for the traceback), on success with --show-output. A 409 for our own batch id
// attaches to the existing batch through its `operation`. Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::dataproc {

std::unique_ptr<Follower> make_batch_follower();

}  // namespace dbtpy::submitters::dataproc
