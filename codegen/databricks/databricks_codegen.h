#pragma once
// Databricks: a Python model becomes one run in the workspace, materializing inside it.
// submission_method:
//   all_purpose_cluster (default)  Command API 1.2 on the cluster (context, parameters
//                                  command, model command, context destroyed on every path);
//                                  with create_notebook: true, a notebook + jobs/runs/submit
//   job_cluster                    notebook + runs/submit on a new cluster (job_cluster_config)
//   serverless_cluster             notebook + runs/submit on serverless compute; packages go
//                                  through an `environments` spec (never task libraries)
//   workflow_job                   notebook + a persistent job (find by name, create or reset)
//                                  + jobs/run-now
// Run parameters travel as notebook base_parameters / run-now notebook_params, or as a
// parameters command. Notebooks live under a run-namespaced name and are deleted on every
// path (workflow jobs keep a stable notebook). Pure; thread-safe.
#include "codegen/codegen.h"

namespace dbtpy::codegen::databricks {

Payload generate(const CodegenInput& input);

}  // namespace dbtpy::codegen::databricks
