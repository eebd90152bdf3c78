#pragma once
// The Databricks user behind ${USER_NAME} (user folders for notebooks): `userName` of
// GET <workspace>/api/2.0/preview/scim/v2/Me. Resolved once per run through RunLookups.
#include <string>

#include "submitters/http/http_client.h"

namespace dbtpy::submitters::databricks {

// One exchange. Throws dbtpy::Error DBTPY515 when the answer has no userName, and
// http::HttpError when the call fails.
std::string fetch_user_name(http::HttpClient& client, const std::string& workspace_origin);

}  // namespace dbtpy::submitters::databricks
