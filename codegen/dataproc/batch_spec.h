#pragma once
// The Dataproc Serverless Batch body: dbtpy's defaults (runtime version, executor count,
// main file, connector jar, args, labels) deep-merged with the profile's `dataproc_batch`
// — maps merged key by key, lists and scalars replaced — after turning its proto field
// names (snake_case, as dbt-bigquery users write them) into the JSON names the REST API
// documents (lowerCamelCase). Keys of map-valued fields (labels, properties) are data and
// are left alone. Pure; thread-safe.
#include "util/json.h"

namespace dbtpy::codegen::dataproc {

// snake_case -> lowerCamelCase for field names, recursively, except inside map fields.
Json to_json_field_names(const Json& value);

// `overlay` merged into `base`: objects merged recursively, anything else replaced.
Json deep_merge(const Json& base, const Json& overlay);

}  // namespace dbtpy::codegen::dataproc
